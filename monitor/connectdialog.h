// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "connectionsettings.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace Mediaforge::Monitor {

// Asks for a service URL and an admin token. Recent URLs come from the settings, with their
// token when the user chose to keep it; keeping a token is opt-in and says where it is kept.
class ConnectDialog : public QDialog
{
    Q_OBJECT
public:
    ConnectDialog(ConnectionSettings &settings, QWidget *parent = nullptr);

    // Valid after accept(): the normalized URL (without a ?token=) and the token.
    ConnectionSettings::Server server() const;

    QComboBox *urlBox() const { return m_url; }
    QLineEdit *tokenEdit() const { return m_token; }
    QCheckBox *rememberBox() const { return m_remember; }

    void accept() override;
    // Fills in a service's URL (and its remembered token), and puts the cursor in the token field.
    void setUrl(const QUrl &url);

private:
    void urlEdited(const QString &text);
    void validate();

    ConnectionSettings &m_settings;
    QComboBox *m_url;
    QLineEdit *m_token;
    QCheckBox *m_remember;
    QLabel *m_problem;
    QDialogButtonBox *m_buttons;
};

} // namespace Mediaforge::Monitor
