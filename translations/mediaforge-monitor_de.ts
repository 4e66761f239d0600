<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>BatchProgress</name>
    <message>
        <source>%1 · %2/%3 · %4</source>
        <extracomment>A job&apos;s batch: its name, how many of its jobs ended of how many, and its progress, e.g. &quot;thumbs · 12/50 · 64 %&quot;</extracomment>
        <translation>%1 · %2/%3 · %4</translation>
    </message>
    <message>
        <source>Batch %1 (no progress heard yet)</source>
        <translation>Batch %1 (noch kein Fortschritt gemeldet)</translation>
    </message>
    <message>
        <source>Batch %1 (id %2)</source>
        <translation>Batch %1 (id %2)</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>Beendet</translation>
    </message>
    <message>
        <source>Running: %1</source>
        <translation>Läuft: %1</translation>
    </message>
    <message>
        <source>%1 of %2 jobs completed, %3 failed, %4 cancelled</source>
        <translation>%1 von %2 Aufträgen abgeschlossen, %3 fehlgeschlagen, %4 abgebrochen</translation>
    </message>
</context>
<context>
    <name>Format</name>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1 T %2 h</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1/s</source>
        <extracomment>A transfer rate, e.g. &quot;12.5 MiB/s&quot;</extracomment>
        <translation>%1/s</translation>
    </message>
    <message>
        <source>%1×</source>
        <extracomment>ffmpeg&apos;s processing speed as a multiple of real time, e.g. &quot;1.8×&quot;</extracomment>
        <translation>%1×</translation>
    </message>
    <message>
        <source>%1 %</source>
        <extracomment>A percentage, e.g. &quot;42 %&quot;</extracomment>
        <translation>%1 %</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::ConnectDialog</name>
    <message>
        <source>Connect to a service</source>
        <translation>Mit einem Dienst verbinden</translation>
    </message>
    <message>
        <source>The monitor connects as an administrator over the service&apos;s WebSocket port (mediaforged --port, 8080 by default).</source>
        <translation>Der Monitor verbindet sich als Administrator über den WebSocket-Port des Dienstes (mediaforged --port, standardmäßig 8080).</translation>
    </message>
    <message>
        <source>Service URL</source>
        <translation>Dienst-URL</translation>
    </message>
    <message>
        <source>Service &amp;URL:</source>
        <translation>Dienst-&amp;URL:</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>Token</translation>
    </message>
    <message>
        <source>empty when the service runs without tokens</source>
        <translation>leer lassen, wenn der Dienst ohne Tokens läuft</translation>
    </message>
    <message>
        <source>Show the token</source>
        <translation>Token anzeigen</translation>
    </message>
    <message>
        <source>&amp;Token:</source>
        <translation>&amp;Token:</translation>
    </message>
    <message>
        <source>&amp;Remember the token on this computer</source>
        <translation>Token auf diesem Computer &amp;merken</translation>
    </message>
    <message>
        <source>A remembered token is stored in clear text in %1. Anyone who can read that file can control every job of the service.</source>
        <translation>Ein gemerktes Token wird im Klartext in %1 gespeichert. Wer diese Datei lesen kann, kann jeden Auftrag des Dienstes steuern.</translation>
    </message>
    <message>
        <source>Connect</source>
        <translation>Verbinden</translation>
    </message>
    <message>
        <source>Not a WebSocket URL: use ws://host:port/ or wss://host:port/.</source>
        <translation>Keine WebSocket-URL: ws://host:port/ oder wss://host:port/ verwenden.</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::HealthPanel</name>
    <message>
        <source>Service health</source>
        <translation>Zustand des Dienstes</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>Dienst</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>Uptime</source>
        <translation>Laufzeit</translation>
    </message>
    <message>
        <source>ffmpeg</source>
        <translation>ffmpeg</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <source>Workers</source>
        <translation>Worker</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>Warteschlange</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>Beendet</translation>
    </message>
    <message>
        <source>Throughput</source>
        <translation>Durchsatz</translation>
    </message>
    <message>
        <source>No HTTP port announced</source>
        <translation>Kein HTTP-Port angekündigt</translation>
    </message>
    <message>
        <source>Unreachable: %1</source>
        <translation>Nicht erreichbar: %1</translation>
    </message>
    <message>
        <source>Healthy</source>
        <translation>Gesund</translation>
    </message>
    <message>
        <source>Degraded</source>
        <translation>Beeinträchtigt</translation>
    </message>
    <message>
        <source>shutting down</source>
        <translation>fährt herunter</translation>
    </message>
    <message>
        <source>not found</source>
        <translation>nicht gefunden</translation>
    </message>
    <message>
        <source>Workers: %1 of %2 busy</source>
        <translation>Worker: %1 von %2 belegt</translation>
    </message>
    <message>
        <source>%1. %2 · %3 · %4</source>
        <extracomment>A busy worker: its number, the job id, the operation and its progress</extracomment>
        <translation>%1. %2 · %3 · %4</translation>
    </message>
    <message>
        <source>%1. idle</source>
        <extracomment>An idle worker and its number</extracomment>
        <translation>%1. frei</translation>
    </message>
    <message>
        <source>Click to select the job</source>
        <translation>Klicken, um den Auftrag auszuwählen</translation>
    </message>
    <message numerus="yes">
        <source>%n waiting</source>
        <translation>
            <numerusform>%n wartend</numerusform>
            <numerusform>%n wartend</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n receiving input</source>
        <translation>
            <numerusform>%n empfängt die Eingabe</numerusform>
            <numerusform>%n empfangen die Eingabe</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 completed · %2 failed · %3 cancelled</source>
        <translation>%1 fertig · %2 fehlgeschlagen · %3 abgebrochen</translation>
    </message>
    <message>
        <source>last known: %1</source>
        <extracomment>After &quot;Not answering since …&quot;: what /health said when it last answered</extracomment>
        <translation>zuletzt: %1</translation>
    </message>
    <message>
        <source>Unreachable since %1</source>
        <extracomment>The health of a service the monitor lost; %1 is the time it was last heard from</extracomment>
        <translation>Nicht erreichbar seit %1</translation>
    </message>
    <message>
        <source>as of %1, the last check failed</source>
        <extracomment>/health did not answer this time; %1 is when it last did</extracomment>
        <translation>Stand %1, letzte Prüfung fehlgeschlagen</translation>
    </message>
    <message>
        <source>%1 (as of %2)</source>
        <extracomment>The workers block of a service that is not answering: %1 is &quot;Workers: 1 of 2 busy&quot;, %2 the time</extracomment>
        <translation>%1 (Stand %2)</translation>
    </message>
    <message>
        <source>Webhooks</source>
        <translation>Webhooks</translation>
    </message>
    <message numerus="yes">
        <source>%n endpoint(s) failing</source>
        <extracomment>Notify URLs whose last webhook attempt failed (receivers down or refusing)</extracomment>
        <translation>
            <numerusform>%n Endpunkt gestört</numerusform>
            <numerusform>%n Endpunkte gestört</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n pending</source>
        <translation>
            <numerusform>%n ausstehend</numerusform>
            <numerusform>%n ausstehend</numerusform>
        </translation>
    </message>
    <message>
        <source>none pending</source>
        <translation>keine ausstehend</translation>
    </message>
    <message numerus="yes">
        <source>%n given up</source>
        <extracomment>Webhook deliveries given up after the retry window, since the service started</extracomment>
        <translation>
            <numerusform>%n aufgegeben</numerusform>
            <numerusform>%n aufgegeben</numerusform>
        </translation>
    </message>
    <message>
        <source>Since the service started: %1 delivered, %2 retried, %3 given up; %4 requests open now</source>
        <translation>Seit dem Start des Dienstes: %1 zugestellt, %2 wiederholt, %3 aufgegeben; %4 Anfragen gerade offen</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::JobDetailsDialog</name>
    <message>
        <source>Job details</source>
        <translation>Auftragsdetails</translation>
    </message>
    <message>
        <source>Copy as JSON</source>
        <translation>Als JSON kopieren</translation>
    </message>
    <message>
        <source>Job %1 is no longer listed</source>
        <translation>Auftrag %1 ist nicht mehr aufgeführt</translation>
    </message>
    <message>
        <source>Job %1</source>
        <translation>Auftrag %1</translation>
    </message>
    <message>
        <source>%1 — %2, %3</source>
        <translation>%1 — %2, %3</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Job id</source>
        <translation>Auftrags-ID</translation>
    </message>
    <message>
        <source>Service id</source>
        <translation>Dienst-ID</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>Eigentümer</translation>
    </message>
    <message>
        <source>Operation</source>
        <translation>Operation</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>Phase</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Priorität</translation>
    </message>
    <message>
        <source>Queue position</source>
        <translation>Platz in der Warteschlange</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>Geschwindigkeit</translation>
    </message>
    <message>
        <source>Frames per second</source>
        <translation>Bilder pro Sekunde</translation>
    </message>
    <message>
        <source>Time remaining</source>
        <translation>Restzeit</translation>
    </message>
    <message>
        <source>Detached</source>
        <translation>Losgelöst</translation>
    </message>
    <message>
        <source>yes, runs on without its client</source>
        <translation>ja, läuft ohne seinen Client weiter</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>Auftrag</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelle</translation>
    </message>
    <message>
        <source>URL download</source>
        <translation>Download von einer URL</translation>
    </message>
    <message>
        <source>Upload</source>
        <translation>Upload</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>Dateien</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>Eingabe</translation>
    </message>
    <message>
        <source>Options</source>
        <translation>Optionen</translation>
    </message>
    <message>
        <source>None</source>
        <translation>Keine</translation>
    </message>
    <message>
        <source>Submitted</source>
        <translation>Eingereicht</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Gestartet</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>Beendet</translation>
    </message>
    <message>
        <source>Receiving input</source>
        <translation>Empfängt Eingabe</translation>
    </message>
    <message>
        <source>Waiting in the queue</source>
        <translation>Wartezeit in der Warteschlange</translation>
    </message>
    <message>
        <source>Processing</source>
        <translation>Verarbeitung</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>Gesamt</translation>
    </message>
    <message>
        <source>Timings</source>
        <translation>Zeiten</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <source>SHA-256</source>
        <translation>SHA-256</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>Ausgabe</translation>
    </message>
    <message>
        <source>Output %1 of %2</source>
        <translation>Ausgabe %1 von %2</translation>
    </message>
    <message>
        <source>The output files were delivered or have expired; the service no longer holds them.</source>
        <translation>Die Ausgabedateien wurden ausgeliefert oder sind abgelaufen; der Dienst hält sie nicht mehr vor.</translation>
    </message>
    <message>
        <source>Probe result</source>
        <translation>Analyseergebnis</translation>
    </message>
    <message>
        <source>Copied ✓</source>
        <translation>Kopiert ✓</translation>
    </message>
    <message>
        <source>ffmpeg said (last lines)</source>
        <translation>Ausgabe von ffmpeg (letzte Zeilen)</translation>
    </message>
    <message>
        <source>ffmpeg command line</source>
        <translation>ffmpeg-Befehlszeile</translation>
    </message>
    <message>
        <source>Nothing: ffmpeg wrote no warning or error before it ended.</source>
        <translation>Nichts: ffmpeg hat vor seinem Ende weder Warnung noch Fehler ausgegeben.</translation>
    </message>
    <message>
        <source>Preset</source>
        <translation>Vorlage</translation>
    </message>
    <message>
        <source>Webhook deliveries</source>
        <translation>Webhook-Zustellungen</translation>
    </message>
    <message>
        <source>None yet: the job has not reached a state its webhook is sent for.</source>
        <translation>Noch keine: Der Auftrag hat noch keinen Status erreicht, für den sein Webhook gesendet wird.</translation>
    </message>
    <message>
        <source>Time</source>
        <extracomment>Column headings of the webhook deliveries table</extracomment>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Ereignis</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>HTTP %1</source>
        <extracomment>The receiver&apos;s answer to a webhook delivery: an HTTP status code</extracomment>
        <translation>HTTP %1</translation>
    </message>
    <message>
        <source>Delivered</source>
        <translation>Zugestellt</translation>
    </message>
    <message>
        <source>Failed, given up</source>
        <translation>Gescheitert, aufgegeben</translation>
    </message>
    <message>
        <source>Pending, next try %1</source>
        <extracomment>A webhook delivery that waits for its next attempt; %1 is its time of day</extracomment>
        <translation>Ausstehend, nächster Versuch %1</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>Ausstehend</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::JobModel</name>
    <message>
        <source>(URL)</source>
        <translation>(URL)</translation>
    </message>
    <message>
        <source>(upload)</source>
        <translation>(Upload)</translation>
    </message>
    <message numerus="yes">
        <source>%1 (+%n more)</source>
        <extracomment>A job with several input files: the first file&apos;s name and how many more there are</extracomment>
        <translation>
            <numerusform>%1 (+%n weitere)</numerusform>
            <numerusform>%1 (+%n weitere)</numerusform>
        </translation>
    </message>
    <message>
        <source>Queued (#%1)</source>
        <extracomment>A queued job and its place in the queue</extracomment>
        <translation>Wartend (#%1)</translation>
    </message>
    <message>
        <source>Job %1
Service id: %2</source>
        <translation>Auftrag %1
Dienst-ID: %2</translation>
    </message>
    <message>
        <source>Size: %1</source>
        <translation>Größe: %1</translation>
    </message>
    <message>
        <source>Downloaded from a URL</source>
        <translation>Von einer URL heruntergeladen</translation>
    </message>
    <message>
        <source>Uploaded by the client</source>
        <translation>Vom Client hochgeladen</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>%1 frames per second</source>
        <translation>%1 Bilder pro Sekunde</translation>
    </message>
    <message>
        <source>Submitted: %1</source>
        <translation>Eingereicht: %1</translation>
    </message>
    <message>
        <source>Started: %1</source>
        <translation>Gestartet: %1</translation>
    </message>
    <message>
        <source>Finished: %1</source>
        <translation>Beendet: %1</translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1, %2</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>Auftrag</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>Eigentümer</translation>
    </message>
    <message>
        <source>Operation</source>
        <translation>Operation</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>Eingabe</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>Geschwindigkeit</translation>
    </message>
    <message>
        <source>ETA</source>
        <extracomment>Estimated time remaining</extracomment>
        <translation>Restzeit</translation>
    </message>
    <message>
        <source>Elapsed</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Priorität</translation>
    </message>
    <message>
        <source>The client&apos;s job id</source>
        <translation>Die Auftrags-ID des Clients</translation>
    </message>
    <message>
        <source>Who submitted the job: token name or client address</source>
        <translation>Wer den Auftrag eingereicht hat: Token-Name oder Client-Adresse</translation>
    </message>
    <message>
        <source>Sorted by activity: running first, then the queue in order, then finished jobs, newest first</source>
        <translation>Nach Aktivität sortiert: laufende zuerst, dann die Warteschlange der Reihe nach, dann beendete Aufträge, neueste zuerst</translation>
    </message>
    <message>
        <source>Processing speed as a multiple of real time, or the transfer rate of the input</source>
        <translation>Verarbeitungsgeschwindigkeit als Vielfaches der Echtzeit oder die Übertragungsrate der Eingabe</translation>
    </message>
    <message>
        <source>Estimated time until the current stage is done</source>
        <translation>Geschätzte Zeit bis zum Ende der aktuellen Phase</translation>
    </message>
    <message>
        <source>Time since the job was submitted</source>
        <translation>Zeit seit dem Einreichen des Auftrags</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <extracomment>Progress cell of a failed job: how far it got and why it stopped, e.g. &quot;37 % · ffmpeg error&quot;</extracomment>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>As of %1</source>
        <extracomment>Tooltip line of a row while the service is away: the time of the last news</extracomment>
        <translation>Stand %1</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>Batch</source>
        <translation>Batch</translation>
    </message>
    <message>
        <source>The batch the job is part of, how many of its jobs ended and its progress</source>
        <translation>Der Batch, zu dem der Auftrag gehört, wie viele seiner Aufträge beendet sind, und sein Fortschritt</translation>
    </message>
    <message>
        <source>Node</source>
        <extracomment>Column of the job table: the cluster node (machine) that runs the job</extracomment>
        <translation>Knoten</translation>
    </message>
    <message>
        <source>The node of the cluster that runs the job, or ran it</source>
        <translation>Der Knoten des Clusters, der den Auftrag ausführt oder ausgeführt hat</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::JobTableView</name>
    <message>
        <source>Jobs</source>
        <translation>Aufträge</translation>
    </message>
    <message>
        <source>All jobs of the service. Enter shows details, Delete cancels, Ctrl+C copies the job id.</source>
        <translation>Alle Aufträge des Dienstes. Eingabe zeigt Details, Entf bricht ab, Strg+C kopiert die Auftrags-ID.</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::MainWindow</name>
    <message>
        <source>Mediaforge Monitor</source>
        <translation>Mediaforge-Monitor</translation>
    </message>
    <message>
        <source>No service connected</source>
        <translation>Kein Dienst verbunden</translation>
    </message>
    <message>
        <source>Connect to a mediaforged service to watch its jobs, workers and health live.</source>
        <translation>Verbinden Sie sich mit einem mediaforged-Dienst, um seine Aufträge, Worker und seinen Zustand live zu verfolgen.</translation>
    </message>
    <message>
        <source>Connect to a service…</source>
        <translation>Mit einem Dienst verbinden…</translation>
    </message>
    <message>
        <source>%1 — Mediaforge Monitor</source>
        <translation>%1 — Mediaforge-Monitor</translation>
    </message>
    <message>
        <source>&amp;Connect to Service…</source>
        <translation>Mit Dienst &amp;verbinden…</translation>
    </message>
    <message>
        <source>Connect to another mediaforged service</source>
        <translation>Mit einem weiteren mediaforged-Dienst verbinden</translation>
    </message>
    <message>
        <source>&amp;Reconnect</source>
        <translation>&amp;Neu verbinden</translation>
    </message>
    <message>
        <source>&amp;Disconnect and Close Tab</source>
        <translation>Trennen und Reiter &amp;schließen</translation>
    </message>
    <message>
        <source>Open &amp;Metrics</source>
        <translation>&amp;Metriken öffnen</translation>
    </message>
    <message>
        <source>Open the service&apos;s Prometheus /metrics page in the browser</source>
        <translation>Die Prometheus-Seite /metrics des Dienstes im Browser öffnen</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Cancel Job…</source>
        <translation>Auftrag &amp;abbrechen…</translation>
    </message>
    <message>
        <source>Cancel the selected jobs (Del)</source>
        <translation>Die ausgewählten Aufträge abbrechen (Entf)</translation>
    </message>
    <message>
        <source>Copy Job &amp;Id</source>
        <translation>Auftrags-&amp;ID kopieren</translation>
    </message>
    <message>
        <source>Copy &amp;Service-wide Id</source>
        <translation>&amp;Dienstweite ID kopieren</translation>
    </message>
    <message>
        <source>Job &amp;Details…</source>
        <translation>Auftrags&amp;details…</translation>
    </message>
    <message>
        <source>Show everything about the selected job (Enter)</source>
        <translation>Alles zum ausgewählten Auftrag zeigen (Eingabe)</translation>
    </message>
    <message>
        <source>&amp;Filter Jobs</source>
        <translation>Aufträge &amp;filtern</translation>
    </message>
    <message>
        <source>Show &amp;Health Panel</source>
        <translation>&amp;Zustandsleiste anzeigen</translation>
    </message>
    <message>
        <source>&amp;About Mediaforge Monitor</source>
        <translation>Über Mediaforge-&amp;Monitor</translation>
    </message>
    <message>
        <source>&amp;Service</source>
        <translation>&amp;Dienst</translation>
    </message>
    <message>
        <source>&amp;Job</source>
        <translation>&amp;Auftrag</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Haupt</translation>
    </message>
    <message>
        <source>mediaforged %1</source>
        <translation>mediaforged %1</translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1, %2</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Nicht verbunden</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>No browser could open %1</source>
        <translation>Kein Browser konnte %1 öffnen</translation>
    </message>
    <message>
        <source>About Mediaforge Monitor</source>
        <translation>Über Mediaforge-Monitor</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Mediaforge Monitor %1&lt;/h3&gt;&lt;p&gt;Watches and steers mediaforged services: live jobs, workers, health and throughput.&lt;/p&gt;&lt;p&gt;Licensed under the GNU General Public License, version 3 or later.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Mediaforge-Monitor %1&lt;/h3&gt;&lt;p&gt;Beobachtet und steuert mediaforged-Dienste: Aufträge, Worker, Zustand und Durchsatz, live.&lt;/p&gt;&lt;p&gt;Lizenziert unter der GNU General Public License, Version 3 oder später.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;Sort By</source>
        <translation>&amp;Sortieren nach</translation>
    </message>
    <message>
        <source>&amp;Descending</source>
        <translation>&amp;Absteigend</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::NodesPanel</name>
    <message>
        <source>Nodes</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <source>%1 (this one)</source>
        <extracomment>The node the monitor is connected to, in the list of a cluster&apos;s nodes</extracomment>
        <translation>%1 (dieser)</translation>
    </message>
    <message>
        <source>%1 of %2 busy</source>
        <extracomment>A node&apos;s worker slots: %1 busy of %2</extracomment>
        <translation>%1 von %2 belegt</translation>
    </message>
    <message>
        <source>gone, silent for %1</source>
        <extracomment>A node that stopped sending heartbeats; %1 is how long ago its last one was (&quot;4 min&quot;)</extracomment>
        <translation>weg, seit %1 stumm</translation>
    </message>
    <message>
        <source>draining</source>
        <extracomment>A node that finishes its running jobs and takes no new ones</extracomment>
        <translation>läuft aus</translation>
    </message>
    <message numerus="yes">
        <source>Nodes: %n</source>
        <extracomment>Title of the cluster&apos;s node list; %n nodes</extracomment>
        <translation>
            <numerusform>Knoten: %n</numerusform>
            <numerusform>Knoten: %n</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n draining</source>
        <translation>
            <numerusform>%n läuft aus</numerusform>
            <numerusform>%n laufen aus</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n gone</source>
        <translation>
            <numerusform>%n weg</numerusform>
            <numerusform>%n weg</numerusform>
        </translation>
    </message>
    <message>
        <source>Address for other nodes: %1</source>
        <translation>Adresse für andere Knoten: %1</translation>
    </message>
    <message>
        <source>Version: %1</source>
        <translation>Version: %1</translation>
    </message>
    <message>
        <source>Started: %1</source>
        <translation>Gestartet: %1</translation>
    </message>
    <message>
        <source>Last heartbeat: %1 ago</source>
        <extracomment>How long ago the node last renewed its leases, by the database&apos;s clock</extracomment>
        <translation>Letztes Lebenszeichen vor %1</translation>
    </message>
    <message>
        <source>Drain</source>
        <extracomment>Action on the selected node of a cluster: it finishes its running jobs and claims no new ones</extracomment>
        <translation>Auslaufen lassen</translation>
    </message>
    <message>
        <source>The selected node finishes what it runs and takes no new jobs; the other nodes take its queue</source>
        <translation>Der gewählte Knoten beendet, was er ausführt, und nimmt keine neuen Aufträge an; die anderen Knoten übernehmen seine Warteschlange</translation>
    </message>
    <message>
        <source>Resume</source>
        <extracomment>Action on a drained node of a cluster: it claims jobs again</extracomment>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>The selected node takes jobs again</source>
        <translation>Der gewählte Knoten nimmt wieder Aufträge an</translation>
    </message>
    <message>
        <source>Could not drain %1: %2</source>
        <translation>%1 konnte nicht auslaufen gelassen werden: %2</translation>
    </message>
    <message>
        <source>Could not resume %1: %2</source>
        <translation>%1 konnte nicht fortgesetzt werden: %2</translation>
    </message>
    <message>
        <source>ffmpeg %1</source>
        <extracomment>A node whose ffmpeg version differs from the connected node&apos;s; %1 is its version</extracomment>
        <translation>ffmpeg %1</translation>
    </message>
    <message>
        <source>ffmpeg: %1</source>
        <translation>ffmpeg: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n encoders</source>
        <extracomment>How many encoders the node&apos;s ffmpeg has</extracomment>
        <translation>
            <numerusform>%n Encoder</numerusform>
            <numerusform>%n Encoder</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::ServiceSession</name>
    <message>
        <source>Connecting…</source>
        <translation>Verbinde…</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>Verbunden</translation>
    </message>
    <message>
        <source>Connected, loading jobs…</source>
        <translation>Verbunden, lade Aufträge…</translation>
    </message>
    <message numerus="yes">
        <source>Reconnecting in %n s</source>
        <extracomment>The connection was lost; the next attempt is in %n seconds</extracomment>
        <translation>
            <numerusform>Neuer Versuch in %n s</numerusform>
            <numerusform>Neuer Versuch in %n s</numerusform>
        </translation>
    </message>
    <message>
        <source>Authentication failed</source>
        <translation>Anmeldung fehlgeschlagen</translation>
    </message>
    <message>
        <source>Not an admin token</source>
        <translation>Kein Admin-Token</translation>
    </message>
    <message>
        <source>Disconnected</source>
        <translation>Getrennt</translation>
    </message>
    <message>
        <source>The service accepted the token, but only an admin token may watch every job.</source>
        <translation>Der Dienst hat das Token angenommen, aber nur ein Admin-Token darf alle Aufträge beobachten.</translation>
    </message>
    <message>
        <source>The service refused the token.</source>
        <translation>Der Dienst hat das Token abgelehnt.</translation>
    </message>
    <message>
        <source>Cannot reach the service: %1</source>
        <translation>Dienst nicht erreichbar: %1</translation>
    </message>
    <message numerus="yes">
        <source>No answer from the service within %n s</source>
        <translation>
            <numerusform>Keine Antwort vom Dienst innerhalb von %n s</numerusform>
            <numerusform>Keine Antwort vom Dienst innerhalb von %n s</numerusform>
        </translation>
    </message>
    <message>
        <source>Not connected to %1</source>
        <translation>Nicht mit %1 verbunden</translation>
    </message>
    <message>
        <source>Unreadable /health answer: %1</source>
        <translation>Unlesbare /health-Antwort: %1</translation>
    </message>
    <message numerus="yes">
        <source>Stopping, %n s left</source>
        <extracomment>The service announced its shutdown and finishes its running jobs for up to %n more seconds</extracomment>
        <translation>
            <numerusform>Fährt herunter, noch %n s</numerusform>
            <numerusform>Fährt herunter, noch %n s</numerusform>
        </translation>
    </message>
    <message>
        <source>Stopping</source>
        <translation>Fährt herunter</translation>
    </message>
    <message>
        <source>Not answering since %1</source>
        <extracomment>The service stopped sending anything (it may be frozen); %1 is the time of the last message</extracomment>
        <translation>Antwortet nicht seit %1</translation>
    </message>
    <message>
        <source>The service refused the event feed (%1).</source>
        <translation>Der Dienst hat den Ereignisstrom verweigert (%1).</translation>
    </message>
    <message>
        <source>The service refused to list its jobs (%1).</source>
        <translation>Der Dienst hat die Auftragsliste verweigert (%1).</translation>
    </message>
    <message>
        <source>The service stopped.</source>
        <translation>Der Dienst wurde beendet.</translation>
    </message>
    <message>
        <source>The connection was lost.</source>
        <translation>Die Verbindung ist abgebrochen.</translation>
    </message>
    <message>
        <source>The service stopped answering.</source>
        <translation>Der Dienst antwortet nicht mehr.</translation>
    </message>
    <message>
        <source>The service refused to list older jobs (%1).</source>
        <translation>Der Dienst hat es abgelehnt, ältere Aufträge aufzulisten (%1).</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::ServiceView</name>
    <message>
        <source>Reconnect now</source>
        <translation>Jetzt neu verbinden</translation>
    </message>
    <message>
        <source>Filter jobs (Ctrl+F)</source>
        <translation>Aufträge filtern (Strg+F)</translation>
    </message>
    <message>
        <source>Filter jobs</source>
        <translation>Aufträge filtern</translation>
    </message>
    <message>
        <source>Shows jobs whose id, owner, operation, input, status or error code contain every word</source>
        <translation>Zeigt Aufträge, deren ID, Eigentümer, Operation, Eingabe, Status oder Fehlercode jedes Wort enthält</translation>
    </message>
    <message>
        <source>Statuses</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Status filter</source>
        <translation>Statusfilter</translation>
    </message>
    <message>
        <source>Show all</source>
        <translation>Alle zeigen</translation>
    </message>
    <message>
        <source>The list shows the state of %1 and catches up after reconnecting.</source>
        <translation>Die Liste zeigt den Stand von %1 und holt nach dem Neuverbinden auf.</translation>
    </message>
    <message>
        <source>No job matches the filter</source>
        <translation>Kein Auftrag passt zum Filter</translation>
    </message>
    <message>
        <source>Press Esc in the filter field, or choose “Show all” under Statuses.</source>
        <translation>Esc im Filterfeld drücken oder unter Status „Alle zeigen“ wählen.</translation>
    </message>
    <message>
        <source>No jobs yet</source>
        <translation>Noch keine Aufträge</translation>
    </message>
    <message>
        <source>Jobs appear here the moment a client submits one.</source>
        <translation>Aufträge erscheinen hier, sobald ein Client einen einreicht.</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Nicht verbunden</translation>
    </message>
    <message>
        <source>Statuses (%1 of %2)</source>
        <translation>Status (%1 von %2)</translation>
    </message>
    <message>
        <source>Cancel job “%1” (%2 of %3, submitted by %4)?</source>
        <translation>Auftrag „%1“ abbrechen (%2 von %3, eingereicht von %4)?</translation>
    </message>
    <message>
        <source>an unnamed input</source>
        <translation>einer unbenannten Eingabe</translation>
    </message>
    <message>
        <source>an unknown client</source>
        <translation>einem unbekannten Client</translation>
    </message>
    <message>
        <source>Cancel job</source>
        <translation>Auftrag abbrechen</translation>
    </message>
    <message>
        <source>Cancel jobs</source>
        <translation>Aufträge abbrechen</translation>
    </message>
    <message>
        <source>Keep running</source>
        <translation>Weiterlaufen lassen</translation>
    </message>
    <message>
        <source>Cancelling %1…</source>
        <translation>Breche %1 ab…</translation>
    </message>
    <message>
        <source>Cancelled %1</source>
        <translation>%1 abgebrochen</translation>
    </message>
    <message>
        <source>Could not cancel %1: %2</source>
        <translation>%1 konnte nicht abgebrochen werden: %2</translation>
    </message>
    <message numerus="yes">
        <source>Copied %n job id(s)</source>
        <translation>
            <numerusform>%n Auftrags-ID kopiert</numerusform>
            <numerusform>%n Auftrags-IDs kopiert</numerusform>
        </translation>
    </message>
    <message>
        <source>Change token…</source>
        <translation>Token ändern…</translation>
    </message>
    <message>
        <source>The service is shutting down: running jobs may still finish, queued ones are cancelled, new ones are refused. The monitor reconnects when it is back.</source>
        <translation>Der Dienst fährt herunter: Laufende Aufträge dürfen noch fertig werden, wartende werden abgebrochen, neue abgelehnt. Der Monitor verbindet sich wieder, sobald er zurück ist.</translation>
    </message>
    <message>
        <source>The service said: “%1”</source>
        <extracomment>%1 is the service&apos;s own (English) message</extracomment>
        <translation>Der Dienst meldete: „%1“</translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <extracomment>After a list of job ids in the cancel question: how many more are selected</extracomment>
        <translation>
            <numerusform>und %n weiterer</numerusform>
            <numerusform>und %n weitere</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cancel %n jobs: %1?</source>
        <translation>
            <numerusform>%n Auftrag abbrechen: %1?</numerusform>
            <numerusform>%n Aufträge abbrechen: %1?</numerusform>
        </translation>
    </message>
    <message>
        <source>ffmpeg is stopped.</source>
        <translation>ffmpeg wird beendet.</translation>
    </message>
    <message>
        <source>The upload or download stops.</source>
        <translation>Der Upload bzw. Download wird beendet.</translation>
    </message>
    <message>
        <source>Queued jobs leave the queue without running.</source>
        <translation>Wartende Aufträge verlassen die Warteschlange, ohne zu laufen.</translation>
    </message>
    <message>
        <source>The job&apos;s files are removed and its client is told that it was cancelled. This cannot be undone.</source>
        <translation>Die Dateien des Auftrags werden gelöscht, und sein Client erfährt, dass er abgebrochen wurde. Das lässt sich nicht rückgängig machen.</translation>
    </message>
    <message>
        <source>Copied the service-wide id %1</source>
        <translation>Dienstweite ID %1 kopiert</translation>
    </message>
    <message numerus="yes">
        <source>Copied %n service-wide ids</source>
        <translation>
            <numerusform>%n dienstweite ID kopiert</numerusform>
            <numerusform>%n dienstweite IDs kopiert</numerusform>
        </translation>
    </message>
    <message>
        <source>Enter another token with “Change token…”.</source>
        <translation>Geben Sie mit „Token ändern…“ ein anderes Token ein.</translation>
    </message>
    <message>
        <source>Connect with a token of role admin (“Change token…”).</source>
        <translation>Verbinden Sie sich mit einem Token der Rolle admin („Token ändern…“).</translation>
    </message>
    <message>
        <source>Load older jobs</source>
        <translation>Ältere Aufträge laden</translation>
    </message>
    <message>
        <source>Adds the next page of finished jobs the service keeps (--history-days)</source>
        <translation>Fügt die nächste Seite beendeter Aufträge hinzu, die der Dienst aufbewahrt (--history-days)</translation>
    </message>
    <message>
        <source>Loading older jobs…</source>
        <translation>Ältere Aufträge werden geladen…</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::SummaryChip</name>
    <message numerus="yes">
        <source>%1: %n job(s)</source>
        <extracomment>Accessible name of a summary chip, e.g. &quot;Running: 2 jobs&quot;</extracomment>
        <translation>
            <numerusform>%1: %n Auftrag</numerusform>
            <numerusform>%1: %n Aufträge</numerusform>
        </translation>
    </message>
    <message>
        <source>Show only jobs that are: %1 (click again to show all)</source>
        <translation>Nur Aufträge zeigen, die %1 sind (erneut klicken zeigt alle)</translation>
    </message>
    <message>
        <source>%1, as of %2</source>
        <extracomment>A count that is not current; %1 is &quot;Running: 2 jobs&quot;, %2 the time it is from</extracomment>
        <translation>%1, Stand %2</translation>
    </message>
    <message>
        <source>As of %1 (the service is away or not answering)</source>
        <extracomment>Second line of a count&apos;s tooltip while the service is away; %1 is a time</extracomment>
        <translation>Stand %1 (der Dienst ist weg oder antwortet nicht)</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::SummaryStrip</name>
    <message>
        <source>Job counts</source>
        <translation>Auftragszahlen</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::ThroughputChart</name>
    <message>
        <source>Throughput history</source>
        <translation>Durchsatzverlauf</translation>
    </message>
    <message numerus="yes">
        <source>Last %n minute(s): %1 completed, %2 failed; %3 received, %4 sent</source>
        <translation>
            <numerusform>Letzte Minute: %1 fertig, %2 fehlgeschlagen; %3 empfangen, %4 gesendet</numerusform>
            <numerusform>Letzte %n Minuten: %1 fertig, %2 fehlgeschlagen; %3 empfangen, %4 gesendet</numerusform>
        </translation>
    </message>
    <message>
        <source>−%1 min</source>
        <extracomment>Left end of the chart&apos;s time axis, e.g. &quot;−15 min&quot;</extracomment>
        <translation>−%1 min</translation>
    </message>
    <message>
        <source>now</source>
        <extracomment>Right end of the chart&apos;s time axis</extracomment>
        <translation>jetzt</translation>
    </message>
    <message>
        <source>Jobs finished</source>
        <translation>Beendete Aufträge</translation>
    </message>
    <message>
        <source>Data transferred</source>
        <translation>Übertragene Daten</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>fertig</translation>
    </message>
    <message>
        <source>in</source>
        <translation>ein</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>out</source>
        <translation>aus</translation>
    </message>
    <message>
        <source>/min</source>
        <translation>/min</translation>
    </message>
    <message>
        <source>/%1 s</source>
        <translation>/%1 s</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::TrayController</name>
    <message>
        <source>Show monitor</source>
        <translation>Monitor zeigen</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message numerus="yes">
        <source>%n running</source>
        <translation>
            <numerusform>%n läuft</numerusform>
            <numerusform>%n laufen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n queued</source>
        <translation>
            <numerusform>%n wartend</numerusform>
            <numerusform>%n wartend</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n failed</source>
        <translation>
            <numerusform>%n fehlgeschlagen</numerusform>
            <numerusform>%n fehlgeschlagen</numerusform>
        </translation>
    </message>
    <message>
        <source>No service connected</source>
        <translation>Kein Dienst verbunden</translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n service(s) connected</source>
        <translation>
            <numerusform>%1 von %n Dienst verbunden</numerusform>
            <numerusform>%1 von %n Diensten verbunden</numerusform>
        </translation>
    </message>
    <message>
        <source>Mediaforge Monitor</source>
        <translation>Mediaforge-Monitor</translation>
    </message>
    <message>
        <source>%1 (%2) on %3</source>
        <translation>%1 (%2) auf %3</translation>
    </message>
    <message>
        <source>Job failed</source>
        <translation>Auftrag fehlgeschlagen</translation>
    </message>
    <message numerus="yes">
        <source>%n jobs failed</source>
        <extracomment>Notification body when several jobs failed at once: their ids, then the service</extracomment>
        <translation>
            <numerusform>%n Auftrag fehlgeschlagen</numerusform>
            <numerusform>%n Aufträge fehlgeschlagen</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 on %2</source>
        <translation>%1 auf %2</translation>
    </message>
</context>
<context>
    <name>MonitorOptions</name>
    <message>
        <source>Mediaforge monitor: watch and steer mediaforged services.</source>
        <translation>Mediaforge-Monitor: mediaforged-Dienste beobachten und steuern.</translation>
    </message>
    <message>
        <source>Show this help.</source>
        <translation>Diese Hilfe anzeigen.</translation>
    </message>
    <message>
        <source>Show the version.</source>
        <translation>Die Version anzeigen.</translation>
    </message>
    <message>
        <source>Connect to this service at start-up (ws://host:port/; may be repeated).</source>
        <translation>Beim Start mit diesem Dienst verbinden (ws://host:port/; mehrfach möglich).</translation>
    </message>
    <message>
        <source>url</source>
        <translation>url</translation>
    </message>
    <message>
        <source>Admin token for the --server services (default: $MEDIAFORGE_TOKEN).</source>
        <translation>Admin-Token für die --server-Dienste (Standard: $MEDIAFORGE_TOKEN).</translation>
    </message>
    <message>
        <source>token</source>
        <translation>token</translation>
    </message>
    <message>
        <source>Language of the interface, e.g. de or en (default: the system&apos;s).</source>
        <translation>Sprache der Oberfläche, z. B. de oder en (Standard: die des Systems).</translation>
    </message>
    <message>
        <source>language</source>
        <translation>sprache</translation>
    </message>
    <message>
        <source>Save a picture of the main window to this PNG file and quit.</source>
        <translation>Ein Bild des Hauptfensters in diese PNG-Datei speichern und beenden.</translation>
    </message>
    <message>
        <source>path</source>
        <translation>pfad</translation>
    </message>
    <message>
        <source>Milliseconds to wait before the screenshot (default 4000).</source>
        <translation>Millisekunden Wartezeit vor dem Bildschirmfoto (Standard 4000).</translation>
    </message>
    <message>
        <source>ms</source>
        <translation>ms</translation>
    </message>
    <message>
        <source>Initial window size, e.g. 1400x860.</source>
        <translation>Anfängliche Fenstergröße, z. B. 1400x860.</translation>
    </message>
    <message>
        <source>WxH</source>
        <translation>BxH</translation>
    </message>
    <message>
        <source>--server: not a WebSocket URL: %1</source>
        <translation>--server: keine WebSocket-URL: %1</translation>
    </message>
    <message>
        <source>--screenshot-delay: not a number of milliseconds: %1</source>
        <translation>--screenshot-delay: keine Anzahl Millisekunden: %1</translation>
    </message>
    <message>
        <source>--window-size: expected WIDTHxHEIGHT, e.g. 1400x860: %1</source>
        <translation>--window-size: BREITExHÖHE erwartet, z. B. 1400x860: %1</translation>
    </message>
    <message>
        <source>unexpected argument: %1</source>
        <translation>unerwartetes Argument: %1</translation>
    </message>
</context>
<context>
    <name>StatusText</name>
    <message>
        <source>Uploading</source>
        <translation>Wird hochgeladen</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>Wird heruntergeladen</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>Wartend</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Läuft</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>Fertig</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>Receiving input</source>
        <extracomment>Jobs whose input is still being uploaded or downloaded</extracomment>
        <translation>Empfängt Eingabe</translation>
    </message>
    <message>
        <source>Waiting for a worker</source>
        <translation>Wartet auf einen Worker</translation>
    </message>
    <message>
        <source>Processing</source>
        <translation>Verarbeitung</translation>
    </message>
    <message>
        <source>Finalizing</source>
        <translation>Abschluss</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>Niedrig</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>Normal</translation>
    </message>
    <message>
        <source>High</source>
        <translation>Hoch</translation>
    </message>
    <message>
        <source>Speed change</source>
        <translation>Tempo ändern</translation>
    </message>
    <message>
        <source>Compress</source>
        <translation>Komprimieren</translation>
    </message>
    <message>
        <source>Extract audio</source>
        <translation>Audio extrahieren</translation>
    </message>
    <message>
        <source>Remove audio</source>
        <translation>Audio entfernen</translation>
    </message>
    <message>
        <source>Convert</source>
        <translation>Konvertieren</translation>
    </message>
    <message>
        <source>Thumbnails</source>
        <translation>Vorschaubilder</translation>
    </message>
    <message>
        <source>Trim</source>
        <translation>Schneiden</translation>
    </message>
    <message>
        <source>Concatenate</source>
        <translation>Zusammenfügen</translation>
    </message>
    <message>
        <source>GIF</source>
        <translation>GIF</translation>
    </message>
    <message>
        <source>Filters</source>
        <translation>Filter</translation>
    </message>
    <message>
        <source>Extract subtitles</source>
        <translation>Untertitel extrahieren</translation>
    </message>
    <message>
        <source>Burn subtitles</source>
        <translation>Untertitel einbrennen</translation>
    </message>
    <message>
        <source>Probe</source>
        <translation>Analysieren</translation>
    </message>
    <message>
        <source>ffmpeg error</source>
        <translation>ffmpeg-Fehler</translation>
    </message>
    <message>
        <source>timed out</source>
        <translation>Zeit überschritten</translation>
    </message>
    <message>
        <source>not usable media</source>
        <translation>keine nutzbaren Medien</translation>
    </message>
    <message>
        <source>download failed</source>
        <translation>Download fehlgeschlagen</translation>
    </message>
    <message>
        <source>URL not allowed</source>
        <translation>URL nicht erlaubt</translation>
    </message>
    <message>
        <source>too large</source>
        <translation>zu groß</translation>
    </message>
    <message>
        <source>resource limit</source>
        <translation>Ressourcengrenze erreicht</translation>
    </message>
    <message>
        <source>invalid options</source>
        <translation>ungültige Optionen</translation>
    </message>
    <message>
        <source>service stopped</source>
        <translation>Dienst beendet</translation>
    </message>
    <message>
        <source>delivery failed</source>
        <translation>Auslieferung fehlgeschlagen</translation>
    </message>
    <message>
        <source>upload broken</source>
        <translation>Upload abgebrochen</translation>
    </message>
    <message>
        <source>internal error</source>
        <translation>interner Fehler</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>token refused</source>
        <translation>Token abgelehnt</translation>
    </message>
    <message>
        <source>not allowed for this token</source>
        <translation>für dieses Token nicht erlaubt</translation>
    </message>
    <message>
        <source>no such job</source>
        <translation>Auftrag nicht gefunden</translation>
    </message>
    <message>
        <source>the job cannot be cancelled</source>
        <translation>Auftrag kann nicht abgebrochen werden</translation>
    </message>
    <message>
        <source>not possible in the job&apos;s state</source>
        <translation>im Zustand des Auftrags nicht möglich</translation>
    </message>
    <message>
        <source>too many requests</source>
        <translation>zu viele Anfragen</translation>
    </message>
    <message>
        <source>queue full</source>
        <translation>Warteschlange voll</translation>
    </message>
    <message>
        <source>request not understood</source>
        <translation>Anfrage nicht verstanden</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>Audio codec</source>
        <translation>Audio-Codec</translation>
    </message>
    <message>
        <source>Video codec</source>
        <translation>Video-Codec</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Streams copied unchanged</source>
        <translation>Datenströme unverändert kopiert</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>Width</source>
        <translation>Breite</translation>
    </message>
    <message>
        <source>Height</source>
        <translation>Höhe</translation>
    </message>
    <message>
        <source>Bit rate</source>
        <translation>Bitrate</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>Format</translation>
    </message>
    <message>
        <source>Frame rate</source>
        <translation>Bildrate</translation>
    </message>
    <message>
        <source>Sample rate</source>
        <translation>Abtastrate</translation>
    </message>
    <message>
        <source>Channels</source>
        <translation>Kanäle</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>Grenze</translation>
    </message>
    <message>
        <source>Maximum</source>
        <translation>Höchstwert</translation>
    </message>
    <message>
        <source>Maximum size</source>
        <translation>Höchstgröße</translation>
    </message>
    <message>
        <source>Retry after (s)</source>
        <translation>Erneut versuchen nach (s)</translation>
    </message>
    <message>
        <source>HTTP status</source>
        <translation>HTTP-Status</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>the job&apos;s time limit was reached</source>
        <translation>das Zeitlimit des Auftrags wurde erreicht</translation>
    </message>
    <message>
        <source>no progress for too long (stalled)</source>
        <translation>zu lange kein Fortschritt (hängt)</translation>
    </message>
    <message>
        <source>too many redirects</source>
        <translation>zu viele Weiterleitungen</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>disk full</source>
        <translation>Speicher voll</translation>
    </message>
</context>
</TS>
