// SPDX-License-Identifier: GPL-3.0-or-later
#include "connectdialog.h"

#include "statusicons.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace Mediaforge::Monitor {

ConnectDialog::ConnectDialog(ConnectionSettings &settings, QWidget *parent) : QDialog(parent), m_settings(settings)
{
    setWindowTitle(tr("Connect to a service"));
    setWindowIcon(Icons::application());
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("The monitor connects as an administrator over the service's WebSocket port "
                                "(mediaforged --port, 8080 by default)."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto *form = new QFormLayout;
    m_url = new QComboBox(this);
    m_url->setEditable(true);
    m_url->setInsertPolicy(QComboBox::NoInsert);
    m_url->lineEdit()->setPlaceholderText(QStringLiteral("ws://127.0.0.1:8080/"));
    m_url->setAccessibleName(tr("Service URL"));
    const QList<ConnectionSettings::Server> recent = m_settings.recentServers();
    for (const auto &server : recent)
        m_url->addItem(server.url.toString());
    m_url->setMinimumContentsLength(32);
    form->addRow(tr("Service &URL:"), m_url);

    m_token = new QLineEdit(this);
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setAccessibleName(tr("Token"));
    m_token->setPlaceholderText(tr("empty when the service runs without tokens"));
    QAction *reveal = m_token->addAction(QIcon(QStringLiteral(":/icons/reveal.svg")), QLineEdit::TrailingPosition);
    reveal->setCheckable(true);
    reveal->setToolTip(tr("Show the token"));
    connect(reveal, &QAction::toggled, this, [this](bool on) { m_token->setEchoMode(on ? QLineEdit::Normal : QLineEdit::Password); });
    // Wide enough for its placeholder, which says when to leave it empty.
    m_token->setMinimumWidth(m_token->fontMetrics().horizontalAdvance(m_token->placeholderText())
                             + 4 * m_token->fontMetrics().height());
    form->addRow(tr("&Token:"), m_token);

    m_remember = new QCheckBox(tr("&Remember the token on this computer"), this);
    form->addRow(QString(), m_remember);
    auto *warning = new QLabel(tr("A remembered token is stored in clear text in %1. Anyone who can read that file "
                                  "can control every job of the service.")
                                       .arg(m_settings.location()),
                               this);
    warning->setWordWrap(true);
    warning->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont small = warning->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    warning->setFont(small);
    form->addRow(QString(), warning);
    layout->addLayout(form);

    m_problem = new QLabel(this);
    m_problem->setWordWrap(true);
    QPalette problemPalette = m_problem->palette();
    problemPalette.setColor(QPalette::WindowText, Icons::groupColor(StatusGroup::Failed));
    m_problem->setPalette(problemPalette);
    layout->addWidget(m_problem);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Connect"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ConnectDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ConnectDialog::reject);
    layout->addWidget(m_buttons);

    connect(m_url, &QComboBox::currentTextChanged, this, &ConnectDialog::urlEdited);
    if (!recent.isEmpty())
        urlEdited(m_url->currentText());
    validate();
    // Window managers cut a title that is wider than the dialog.
    setMinimumWidth(std::max(minimumSizeHint().width(), fontMetrics().horizontalAdvance(windowTitle()) * 3 / 2
                                                                + 8 * fontMetrics().height()));
}

void ConnectDialog::setUrl(const QUrl &url)
{
    m_url->setEditText(url.toString());
    urlEdited(m_url->currentText());
    m_token->setFocus();
    m_token->selectAll();
}

void ConnectDialog::urlEdited(const QString &text)
{
    // A recent service brings back its token, if the user chose to keep it.
    if (const auto known = m_settings.find(ConnectionSettings::normalizeUrl(text))) {
        if (known->rememberToken) {
            m_token->setText(known->token);
            m_remember->setChecked(true);
        }
    }
    validate();
}

void ConnectDialog::validate()
{
    const QString text = m_url->currentText().trimmed();
    const bool valid = ConnectionSettings::normalizeUrl(text).isValid();
    m_problem->setText(text.isEmpty() || valid ? QString()
                                              : tr("Not a WebSocket URL: use ws://host:port/ or wss://host:port/."));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(valid);
}

ConnectionSettings::Server ConnectDialog::server() const
{
    ConnectionSettings::Server server;
    QString urlToken;
    server.url = ConnectionSettings::withoutToken(ConnectionSettings::normalizeUrl(m_url->currentText()), &urlToken);
    server.token = m_token->text().isEmpty() ? urlToken : m_token->text();
    server.rememberToken = m_remember->isChecked();
    return server;
}

void ConnectDialog::accept()
{
    const ConnectionSettings::Server entry = server();
    if (!entry.url.isValid())
        return;
    m_settings.remember(entry);
    QDialog::accept();
}

} // namespace Mediaforge::Monitor
