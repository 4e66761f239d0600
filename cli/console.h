// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

#include <functional>

namespace Mediaforge::Cli {

// stdout and stderr as the commands see them: whether each is a terminal, how wide stderr's
// terminal is, and the one status line (the progress bar) that may be showing on stderr.
// Anything printed while the status line shows first clears it, so a bar never ends up
// glued to a message. Tests build a Console over byte arrays.
class Console
{
public:
    struct Stream
    {
        std::function<void(const QByteArray &)> write;
        bool terminal = false;
        std::function<int()> width;   // columns; only asked when terminal
    };

    Console(Stream out, Stream err);

    // The process's stdout and stderr (isatty, TIOCGWINSZ).
    static Console standard();

    bool outIsTerminal() const { return m_out.terminal; }
    bool errIsTerminal() const { return m_err.terminal; }
    int errWidth() const;
    int outWidth() const;

    void out(const QString &text);
    void err(const QString &text);
    // A whole line to stderr; the newline is added.
    void errLine(const QString &line) { err(line + u'\n'); }

    // Replaces the status line on a terminal stderr: carriage return, the text, clear to the
    // end of the line. Never a newline, so the terminal shows one line being redrawn.
    void showStatus(const QString &line);
    // Removes the status line, leaving the cursor at the start of an empty line.
    void clearStatus();
    bool statusShown() const { return m_statusShown; }

private:
    Stream m_out;
    Stream m_err;
    bool m_statusShown = false;
};

} // namespace Mediaforge::Cli
