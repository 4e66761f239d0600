// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "mediainfo.h"

#include <QObject>
#include <QProcess>
#include <QString>

#include <chrono>
#include <optional>

class QTimer;

namespace Mediaforge {

// Runs ffprobe on one local file, asynchronously, and turns its JSON into MediaInfo.
// Before ffprobe reads anything, the file's first bytes are sniffed: playlists and reference
// formats (HLS, DASH, ffconcat, SDP, ...) are refused with UNSUPPORTED_INPUT; ffprobe itself runs
// with `-protocol_whitelist file` and a demuxer whitelist so that nothing a file names is ever
// opened.
class Probe : public QObject
{
    Q_OBJECT
public:
    explicit Probe(const QString &ffprobePath, QObject *parent = nullptr);
    ~Probe() override;

    void start(const QString &path, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    void cancel();   // kills ffprobe; finished() is not emitted afterwards

    // Valid after finished(): MediaInfo, or UNSUPPORTED_INPUT / TIMEOUT / INTERNAL_ERROR.
    const Result<MediaInfo> &result() const;

    // Checks the first bytes of a file for playlist/reference formats; the error names it.
    static std::optional<Error> sniffReferenceFormat(const QString &path);

signals:
    void finished();

private:
    void onFinished(int exitCode, QProcess::ExitStatus status);

    QProcess *m_process = nullptr;
    QTimer *m_timer = nullptr;
    QString m_path;
    QByteArray m_stdout;
    Result<MediaInfo> m_result{Error{ErrorCode::InternalError, QStringLiteral("probe not run")}};
};

} // namespace Mediaforge
