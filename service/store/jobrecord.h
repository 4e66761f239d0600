// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "jobs/job.h"

#include <QByteArray>
#include <QDateTime>
#include <QVariant>

#include <optional>

// The parts of a Job that SQL stores keep as JSON text (inputs, outputs, error), and the time
// format of their columns. Shared by the SQL stores so that a record reads the same whichever
// database holds it.
namespace Mediaforge::JobRecord {

QByteArray inputsToJson(const QList<JobInput> &inputs);
QList<JobInput> inputsFromJson(const QByteArray &json);
QByteArray outputsToJson(const QList<JobOutput> &outputs);
QList<JobOutput> outputsFromJson(const QByteArray &json);
// Credentials (presigned URLs, headers): stored whole so that a restart can still upload.
// Where the outputs go, in the `output_targets` column: an array of presigned targets, or an
// object {"storage", "prefix"} for a configured storage (the two exclude each other, and one
// column spares a schema change); "" for neither.
QByteArray outputTargetsToJson(const QList<JobOutputTarget> &targets, const JobOutputStorage &storage);
QList<JobOutputTarget> outputTargetsFromJson(const QByteArray &json, JobOutputStorage *storage);
QVariant errorToJson(const std::optional<Error> &error);   // NULL when none
std::optional<Error> errorFromJson(const QVariant &json);
QByteArray objectToJson(const QJsonObject &object);
QJsonObject objectFromJson(const QByteArray &json);

// Times are milliseconds since the epoch (UTC) or NULL.
QVariant timeToColumn(const QDateTime &time);
QDateTime timeFromColumn(const QVariant &value);

} // namespace Mediaforge::JobRecord
