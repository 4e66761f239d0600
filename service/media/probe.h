// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "errorcode.h"
#include "mediainfo.h"
#include "processlimits.h"

#include <QObject>
#include <QPointer>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

class QTimer;

namespace Mediaforge {

class ProberPool;

// Runs ffprobe on one local file, asynchronously, and turns its JSON into MediaInfo.
// Before ffprobe reads anything, the file's first bytes are sniffed: playlists and reference
// formats (HLS, DASH, ffconcat, SDP, ...) are refused with UNSUPPORTED_INPUT; ffprobe itself runs
// with `-protocol_whitelist file` and a demuxer whitelist so that nothing a file names is ever
// opened. With a ProberPool set, the same request goes to a long-lived mediaforge-prober instead
// of a new ffprobe (same whitelists, limits, time limit and typed errors; see proberpool.h).
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
    // Probes through `pool` from now on (nullptr: ffprobe again). The pool must outlive every
    // request; a Probe destroyed mid-request discards its prober.
    void setProberPool(ProberPool *pool);

    qint64 processId() const;   // ffprobe's or the prober's pid while it runs, else 0 (for tests and logs)

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
    // The mediaforge-prober path (probebuiltin.cpp).
    void startBuiltin(Origin origin);
    void readProberStdout();
    void onProberAnswer(const QByteArray &line);
    void onProberDied(int exitCode, QProcess::ExitStatus status);
    void dropProber();                   // kill and reap the leased prober, if any
    void finishLater();                  // queued finished(), unless cancelled or restarted
    Error notMedia() const;              // UNSUPPORTED_INPUT with ffprobe's last stderr line
    // ffprobe's JSON document, from ffprobe or the prober: media with streams, or why not.
    Result<MediaInfo> readDocument(const QByteArray &document) const;
    QString redact(const QString &text) const;

    QProcess *m_process = nullptr;
    QPointer<ProberPool> m_pool;
    QPointer<QProcess> m_prober;         // leased from m_pool for the request in flight
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
