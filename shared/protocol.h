// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLatin1StringView>

// Wire names, in one place so that the service, the CLI, the monitor and the tests cannot
// drift apart. See docs/protocol.md for what each means.
namespace Mediaforge::Protocol {

inline constexpr int kLevel = 1;

namespace Type {
// Client -> service
inline constexpr QLatin1StringView StartJob{"start_job"};
inline constexpr QLatin1StringView CancelJob{"cancel_job"};
inline constexpr QLatin1StringView Ping{"ping"};
inline constexpr QLatin1StringView Hello{"hello"};
inline constexpr QLatin1StringView GetJob{"get_job"};
inline constexpr QLatin1StringView ListJobs{"list_jobs"};
inline constexpr QLatin1StringView GetStats{"get_stats"};
inline constexpr QLatin1StringView Subscribe{"subscribe"};
inline constexpr QLatin1StringView Unsubscribe{"unsubscribe"};
inline constexpr QLatin1StringView FetchOutput{"fetch_output"};
inline constexpr QLatin1StringView Attach{"attach"};
inline constexpr QLatin1StringView ListNodes{"list_nodes"};
inline constexpr QLatin1StringView DrainNode{"drain_node"};
inline constexpr QLatin1StringView ResumeNode{"resume_node"};
inline constexpr QLatin1StringView Redeliver{"redeliver"};
inline constexpr QLatin1StringView ListPresets{"list_presets"};
inline constexpr QLatin1StringView StartBatch{"start_batch"};
inline constexpr QLatin1StringView GetBatch{"get_batch"};
inline constexpr QLatin1StringView CancelBatch{"cancel_batch"};
// Service -> client
inline constexpr QLatin1StringView Ack{"ack"};
inline constexpr QLatin1StringView Progress{"progress"};
inline constexpr QLatin1StringView Completed{"completed"};
inline constexpr QLatin1StringView Error{"error"};
inline constexpr QLatin1StringView Pong{"pong"};
inline constexpr QLatin1StringView Welcome{"welcome"};
inline constexpr QLatin1StringView Job{"job"};
inline constexpr QLatin1StringView Jobs{"jobs"};
inline constexpr QLatin1StringView Stats{"stats"};
inline constexpr QLatin1StringView Subscribed{"subscribed"};
inline constexpr QLatin1StringView Unsubscribed{"unsubscribed"};
inline constexpr QLatin1StringView JobEvent{"job_event"};
inline constexpr QLatin1StringView OutputDelivered{"output_delivered"};
inline constexpr QLatin1StringView Nodes{"nodes"};
inline constexpr QLatin1StringView Redelivering{"redelivering"};
inline constexpr QLatin1StringView Presets{"presets"};
inline constexpr QLatin1StringView BatchAck{"batch_ack"};
inline constexpr QLatin1StringView BatchProgress{"batch_progress"};
inline constexpr QLatin1StringView BatchCompleted{"batch_completed"};
inline constexpr QLatin1StringView Batch{"batch"};
inline constexpr QLatin1StringView BatchCancelled{"batch_cancelled"};
} // namespace Type

namespace Field {
inline constexpr QLatin1StringView Type{"type"};
inline constexpr QLatin1StringView RequestId{"request_id"};
inline constexpr QLatin1StringView JobId{"job_id"};
inline constexpr QLatin1StringView Id{"id"};
inline constexpr QLatin1StringView Operation{"operation"};
inline constexpr QLatin1StringView Input{"input"};
inline constexpr QLatin1StringView Inputs{"inputs"};
inline constexpr QLatin1StringView Options{"options"};
inline constexpr QLatin1StringView Priority{"priority"};
inline constexpr QLatin1StringView Detach{"detach"};
inline constexpr QLatin1StringView Cache{"cache"};
inline constexpr QLatin1StringView IdempotencyKey{"idempotency_key"};
inline constexpr QLatin1StringView OutputTargets{"output_targets"};
inline constexpr QLatin1StringView OutputStorage{"output_storage"};
inline constexpr QLatin1StringView Replayed{"replayed"};
inline constexpr QLatin1StringView Source{"source"};
inline constexpr QLatin1StringView Url{"url"};
inline constexpr QLatin1StringView Filename{"filename"};
inline constexpr QLatin1StringView Size{"size"};
inline constexpr QLatin1StringView Message{"message"};
inline constexpr QLatin1StringView Status{"status"};
inline constexpr QLatin1StringView QueuePosition{"queue_position"};
inline constexpr QLatin1StringView Upload{"upload"};
inline constexpr QLatin1StringView ChunkBytes{"chunk_bytes"};
inline constexpr QLatin1StringView Percentage{"percentage"};
inline constexpr QLatin1StringView Stage{"stage"};
inline constexpr QLatin1StringView Bytes{"bytes"};
inline constexpr QLatin1StringView TotalBytes{"total_bytes"};
inline constexpr QLatin1StringView OutTimeSeconds{"out_time_seconds"};
inline constexpr QLatin1StringView DurationSeconds{"duration_seconds"};
inline constexpr QLatin1StringView Speed{"speed"};
inline constexpr QLatin1StringView Fps{"fps"};
inline constexpr QLatin1StringView EtaSeconds{"eta_seconds"};
inline constexpr QLatin1StringView DeliveryMethod{"delivery_method"};
inline constexpr QLatin1StringView OutputMetadata{"output_metadata"};
inline constexpr QLatin1StringView Outputs{"outputs"};
inline constexpr QLatin1StringView Timings{"timings"};
inline constexpr QLatin1StringView Result{"result"};
inline constexpr QLatin1StringView Code{"code"};
inline constexpr QLatin1StringView Error{"error"};
inline constexpr QLatin1StringView Details{"details"};
inline constexpr QLatin1StringView Protocol{"protocol"};
inline constexpr QLatin1StringView Token{"token"};
inline constexpr QLatin1StringView Client{"client"};
inline constexpr QLatin1StringView Server{"server"};
inline constexpr QLatin1StringView Role{"role"};
inline constexpr QLatin1StringView Limits{"limits"};
inline constexpr QLatin1StringView Operations{"operations"};
inline constexpr QLatin1StringView States{"states"};
inline constexpr QLatin1StringView Limit{"limit"};
inline constexpr QLatin1StringView Index{"index"};
inline constexpr QLatin1StringView Count{"count"};
inline constexpr QLatin1StringView Offset{"offset"};
inline constexpr QLatin1StringView Final{"final"};
inline constexpr QLatin1StringView Sha256{"sha256"};
inline constexpr QLatin1StringView Event{"event"};
inline constexpr QLatin1StringView Job{"job"};
inline constexpr QLatin1StringView Jobs{"jobs"};
inline constexpr QLatin1StringView Stats{"stats"};
inline constexpr QLatin1StringView Workers{"workers"};
inline constexpr QLatin1StringView Nodes{"nodes"};
inline constexpr QLatin1StringView Node{"node"};
inline constexpr QLatin1StringView FileCount{"file_count"};
// History paging (list_jobs) and crash recovery.
inline constexpr QLatin1StringView Before{"before"};
inline constexpr QLatin1StringView NextBefore{"next_before"};
inline constexpr QLatin1StringView Attempts{"attempts"};
// Webhooks (docs/webhooks.md).
inline constexpr QLatin1StringView NotifyUrl{"notify_url"};
inline constexpr QLatin1StringView NotifyEvents{"notify_events"};
inline constexpr QLatin1StringView Deliveries{"deliveries"};
inline constexpr QLatin1StringView DeliveryId{"delivery_id"};
// Presets (docs/presets.md).
inline constexpr QLatin1StringView Preset{"preset"};
inline constexpr QLatin1StringView Presets{"presets"};
// Batches (docs/batches.md).
inline constexpr QLatin1StringView BatchId{"batch_id"};
inline constexpr QLatin1StringView Items{"items"};
inline constexpr QLatin1StringView Batch{"batch"};
} // namespace Field

} // namespace Mediaforge::Protocol
