// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "mediainfo.h"
#include "processlimits.h"

#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

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

    // What is probed: a client's input, or a file the service named itself (an output), whose
    // image extension may select the single-file image2 demuxer.
    enum class Origin { ClientInput, ServiceOutput };

    void start(const QString &path, std::chrono::milliseconds timeout = std::chrono::seconds(30),
               Origin origin = Origin::ClientInput);
    void cancel();   // kills ffprobe; finished() is not emitted afterwards
    // Resource limits of the ffprobe runs started afterwards; one that ends a run makes the
    // result RESOURCE_LIMIT.
    void setLimits(const ProcessLimits &limits);

    qint64 processId() const;   // ffprobe's pid while it runs, else 0 (for tests and logs)

    // Valid after finished(): MediaInfo, or UNSUPPORTED_INPUT / TIMEOUT / RESOURCE_LIMIT /
    // INTERNAL_ERROR.
    const Result<MediaInfo> &result() const;

    // Checks the first bytes of a file for playlist/reference formats; the error names it.
    static std::optional<Error> sniffReferenceFormat(const QString &path);
    // ffprobe's arguments for `path` (whitelists included), for tests and logs.
    static QStringList arguments(const QString &path, Origin origin = Origin::ClientInput);

signals:
    void finished();

private:
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void readStdout();
    void readStderr();
    void finishLater();                  // queued finished(), unless cancelled or restarted
    Error notMedia() const;              // UNSUPPORTED_INPUT with ffprobe's last stderr line
    QString redact(const QString &text) const;

    QProcess *m_process = nullptr;
    QTimer *m_timer = nullptr;
    QString m_path;
    ProcessLimits m_limits;
    QByteArray m_stdout;                 // at most 8 MiB, else ffprobe is killed
    QByteArray m_stderrTail;             // the last 4 KiB
    quint64 m_generation = 0;            // bumped by start() and cancel()
    bool m_cancelled = false;
    bool m_timedOut = false;
    bool m_outputTooLarge = false;
    Result<MediaInfo> m_result{Error{ErrorCode::InternalError, QStringLiteral("probe not run")}};
};

} // namespace Mediaforge
