// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "proberrequest.h"

#include <QByteArray>
#include <QString>

namespace Mediaforge::Prober {

// Opens one file with libavformat the way `ffprobe -show_format -show_streams` does (the same
// protocol and demuxer whitelists, scan_all_pmts, avformat_find_stream_info) and writes the
// members of ffprobe's JSON that MediaInfo::fromFfprobeJson reads, formatted as ffprobe formats
// them (numbers it prints as strings stay strings, times with six decimals), so that the service
// fills MediaInfo from either source with one reader. On failure: false, and `error` is the line
// ffprobe prints last ("file:/path: Invalid data found when processing input").
bool probeFile(const Request &request, QByteArray *json, QString *error);

// Before each request: the CPU-time soft limit becomes what this process has used so far plus
// `seconds`, so one hostile file gets `seconds` of CPU like one ffprobe run, and the kernel's
// SIGXCPU ends the prober (not the service) when it is used up. 0 sets nothing.
void limitCpuForNextRequest(int seconds);

} // namespace Mediaforge::Prober
