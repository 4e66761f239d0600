// SPDX-License-Identifier: GPL-3.0-or-later
#include "console.h"

#include <cstdio>
#include <cstdlib>
#include <sys/ioctl.h>
#include <unistd.h>

namespace Mediaforge::Cli {

namespace {

constexpr char kClearLine[] = "\r\x1b[K";

int terminalWidth(int fd)
{
    struct winsize size = {};
    if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
    bool ok = false;
    const int columns = qEnvironmentVariableIntValue("COLUMNS", &ok);
    return ok && columns > 0 ? columns : 80;
}

Console::Stream standardStream(FILE *file)
{
    Console::Stream stream;
    const int fd = ::fileno(file);
    stream.terminal = ::isatty(fd) == 1;
    stream.write = [file](const QByteArray &bytes) {
        std::fwrite(bytes.constData(), 1, size_t(bytes.size()), file);
        std::fflush(file);
    };
    stream.width = [fd] { return terminalWidth(fd); };
    return stream;
}

} // namespace

Console::Console(Stream out, Stream err) : m_out(std::move(out)), m_err(std::move(err)) { }

Console Console::standard()
{
    return Console(standardStream(stdout), standardStream(stderr));
}

int Console::errWidth() const
{
    return m_err.terminal && m_err.width ? m_err.width() : 80;
}

int Console::outWidth() const
{
    return m_out.terminal && m_out.width ? m_out.width() : 80;
}

void Console::out(const QString &text)
{
    // stdout and stderr may be the same terminal: the bar must go before anything else shows.
    if (m_statusShown && m_out.terminal)
        clearStatus();
    m_out.write(text.toUtf8());
}

void Console::err(const QString &text)
{
    if (m_statusShown)
        clearStatus();
    m_err.write(text.toUtf8());
}

void Console::showStatus(const QString &line)
{
    if (!m_err.terminal)
        return;
    m_err.write("\r" + line.toUtf8() + "\x1b[K");
    m_statusShown = true;
}

void Console::clearStatus()
{
    if (!m_statusShown)
        return;
    m_err.write(QByteArray(kClearLine));
    m_statusShown = false;
}

} // namespace Mediaforge::Cli
