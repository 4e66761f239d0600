// SPDX-License-Identifier: GPL-3.0-or-later
// The presets every service has (docs/presets.md): what web apps ask a media service for most.
// Written in the presets file's own JSON so that they pass the same checks as an operator's
// and an operator can copy one as the starting point of their own.
#include "preset.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace Mediaforge {

namespace {

// Video for the web: H.264 + AAC in MP4 (the service always writes the index first,
// "faststart", so playback starts before the download ends), never scaled up.
const char kBuiltins[] = R"json({"presets": [
  {"name": "web-1080p", "operation": "compress",
   "description": "Web video up to 1920x1080: H.264/AAC in MP4 with faststart",
   "options": {"target_format": "mp4", "preset": "high", "max_width": 1920, "max_height": 1080},
   "parameters": {"crf": {"type": "integer", "minimum": 18, "maximum": 32,
                          "description": "quality: lower is better and larger (default 23)"}}},
  {"name": "web-720p", "operation": "compress",
   "description": "Web video up to 1280x720: H.264/AAC in MP4 with faststart",
   "options": {"target_format": "mp4", "preset": "high", "max_width": 1280, "max_height": 720},
   "parameters": {"crf": {"type": "integer", "minimum": 18, "maximum": 32,
                          "description": "quality: lower is better and larger (default 23)"}}},
  {"name": "web-480p", "operation": "compress",
   "description": "Web video up to 854x480: H.264/AAC in MP4 with faststart",
   "options": {"target_format": "mp4", "preset": "medium", "max_width": 854, "max_height": 480},
   "parameters": {"crf": {"type": "integer", "minimum": 18, "maximum": 32,
                          "description": "quality: lower is better and larger (default 28)"}}},
  {"name": "webm-720p", "operation": "compress",
   "description": "Open-codec web video up to 1280x720: VP9/Opus in WebM",
   "options": {"target_format": "webm", "preset": "high", "max_width": 1280, "max_height": 720},
   "parameters": {"crf": {"type": "integer", "minimum": 20, "maximum": 45,
                          "description": "quality: lower is better and larger (default 31)"}}},
  {"name": "poster", "operation": "thumbnail",
   "description": "One JPEG frame to show before the video plays",
   "options": {"format": "jpeg"},
   "parameters": {"timestamp": {"type": "number", "minimum": 0, "maximum": 86400,
                                "description": "seconds into the video (default: 10 % in)"},
                  "width": {"type": "integer", "minimum": 16, "maximum": 1920,
                            "description": "image width; the height follows (default: the video's)"}}},
  {"name": "preview-gif", "operation": "gif",
   "description": "A short looping GIF preview, 320 pixels wide",
   "options": {"fps": 10, "optimize": true},
   "parameters": {"start_time": {"type": "number", "minimum": 0, "maximum": 86400, "default": 0,
                                 "description": "where the preview starts, seconds"},
                  "duration": {"type": "number", "minimum": 1, "maximum": 10, "default": 3,
                               "description": "preview length, seconds"},
                  "width": {"type": "integer", "minimum": 120, "maximum": 640, "default": 320,
                            "description": "width in pixels; the height follows"}}},
  {"name": "podcast", "operation": "extract_audio",
   "description": "Spoken-word audio: MP3, 44.1 kHz",
   "options": {"format": "mp3", "sample_rate": 44100},
   "parameters": {"bitrate_kbps": {"type": "integer", "minimum": 64, "maximum": 192, "default": 96,
                                   "description": "bit rate, kbit/s"}}},
  {"name": "audio-extract", "operation": "extract_audio",
   "description": "The audio track as M4A (copied without re-encoding when it is AAC)",
   "options": {"format": "m4a"}}
]})json";

} // namespace

PresetCatalog PresetCatalog::builtins()
{
    PresetCatalog catalog;
    // A defect in the table above is a programming error that every test would show at once.
    if (const auto problem = catalog.loadJson(QByteArray(kBuiltins)))
        qFatal("built-in presets: %s", qPrintable(*problem));
    for (Preset &preset : catalog.m_presets)
        preset.builtin = true;
    return catalog;
}

} // namespace Mediaforge
