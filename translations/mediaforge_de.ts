<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>CommandLine</name>
    <message>
        <source>mediaforge: %1 (see &apos;%2&apos;)</source>
        <translation>mediaforge: %1 (siehe &apos;%2&apos;)</translation>
    </message>
    <message>
        <source>error: %1: %2</source>
        <translation>Fehler: %1: %2</translation>
    </message>
    <message>
        <source>option %1 needs a value</source>
        <translation>Option %1 braucht einen Wert</translation>
    </message>
    <message>
        <source>option %1 takes key=value, not &apos;%2&apos;</source>
        <translation>Option %1 erwartet SCHLÜSSEL=WERT, nicht &apos;%2&apos;</translation>
    </message>
    <message>
        <source>cannot read the filter &apos;%1&apos;; write it as type or type:key=value,key=value</source>
        <translation>Filter &apos;%1&apos; unverständlich; schreiben Sie ihn als Typ oder Typ:Schlüssel=Wert,Schlüssel=Wert</translation>
    </message>
    <message>
        <source>option --no-%1 takes no value</source>
        <translation>Option --no-%1 nimmt keinen Wert</translation>
    </message>
    <message>
        <source>option %1 takes no value</source>
        <translation>Option %1 nimmt keinen Wert</translation>
    </message>
    <message>
        <source>unknown option %1</source>
        <translation>unbekannte Option %1</translation>
    </message>
    <message>
        <source>unknown state &apos;%1&apos;; states are %2</source>
        <translation>unbekannter Zustand &apos;%1&apos;; Zustände sind %2</translation>
    </message>
    <message>
        <source>--limit must be a whole number from 1 to 1000</source>
        <translation>--limit muss eine ganze Zahl von 1 bis 1000 sein</translation>
    </message>
    <message>
        <source>--index must be a whole number from 0</source>
        <translation>--index muss eine ganze Zahl ab 0 sein</translation>
    </message>
    <message>
        <source>--http needs an http:// or https:// URL, not &apos;%1&apos;</source>
        <translation>--http braucht eine http://- oder https://-URL, nicht &apos;%1&apos;</translation>
    </message>
    <message>
        <source>unknown command &apos;%1&apos;</source>
        <translation>unbekannter Befehl &apos;%1&apos;</translation>
    </message>
    <message>
        <source>unknown operation &apos;%1&apos;; operations are %2</source>
        <translation>unbekannte Operation &apos;%1&apos;; Operationen sind %2</translation>
    </message>
    <message>
        <source>--server needs a ws:// or wss:// URL, not &apos;%1&apos;</source>
        <translation>--server braucht eine ws://- oder wss://-URL, nicht &apos;%1&apos;</translation>
    </message>
    <message>
        <source>a command is required</source>
        <translation>ein Befehl fehlt</translation>
    </message>
    <message>
        <source>missing %1</source>
        <translation>es fehlt %1</translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;</source>
        <translation>unerwartetes Argument &apos;%1&apos;</translation>
    </message>
    <message>
        <source>missing the operation</source>
        <translation>es fehlt die Operation</translation>
    </message>
    <message>
        <source>the input files or URLs (2 to 50)</source>
        <translation>die Eingabedateien oder URLs (2 bis 50)</translation>
    </message>
    <message>
        <source>the input file or URL</source>
        <translation>die Eingabedatei oder URL</translation>
    </message>
    <message>
        <source>concat takes either local files or URLs, not both</source>
        <translation>concat nimmt entweder lokale Dateien oder URLs, nicht beides</translation>
    </message>
    <message>
        <source>mediaforge: cannot read %1: no such file</source>
        <translation>mediaforge: %1 ist nicht lesbar: Datei existiert nicht</translation>
    </message>
    <message>
        <source>mediaforge: cannot read %1: not a readable file</source>
        <translation>mediaforge: %1 ist nicht lesbar: keine lesbare Datei</translation>
    </message>
    <message>
        <source>the job (its job_id or id)</source>
        <translation>der Auftrag (seine job_id oder id)</translation>
    </message>
    <message>
        <source>make a video smaller</source>
        <translation>ein Video verkleinern</translation>
    </message>
    <message>
        <source>  --format, --to FORMAT   output container (target_format)
</source>
        <translation>  --format, --to FORMAT   Ausgabecontainer (target_format)
</translation>
    </message>
    <message>
        <source>change the format or the codecs</source>
        <translation>Format oder Codecs ändern</translation>
    </message>
    <message>
        <source>  --to, --format FORMAT   output format (target_format)
</source>
        <translation>  --to, --format FORMAT   Ausgabeformat (target_format)
</translation>
    </message>
    <message>
        <source>still images from a video (several go to a folder)</source>
        <translation>Standbilder aus einem Video (mehrere in einen Ordner)</translation>
    </message>
    <message>
        <source>  --at SECONDS            the frame at this time (timestamp)
</source>
        <translation>  --at SEKUNDEN           das Bild zu dieser Zeit (timestamp)
</translation>
    </message>
    <message>
        <source>cut a part out</source>
        <translation>einen Teil herausschneiden</translation>
    </message>
    <message>
        <source>  --from, --start SECONDS start (start_time)
  --to, --end SECONDS     end (end_time)
</source>
        <translation>  --from, --start SEK     Anfang in Sekunden (start_time)
  --to, --end SEK         Ende in Sekunden (end_time)
</translation>
    </message>
    <message>
        <source>play faster or slower</source>
        <translation>schneller oder langsamer abspielen</translation>
    </message>
    <message>
        <source>  --factor X              speed factor, 0.25 to 10 (speed_factor)
</source>
        <translation>  --factor X              Geschwindigkeitsfaktor, 0,25 bis 10 (speed_factor)
</translation>
    </message>
    <message>
        <source>an animated GIF</source>
        <translation>ein animiertes GIF</translation>
    </message>
    <message>
        <source>  --from, --start SECONDS where the GIF starts (start_time)
</source>
        <translation>  --from, --start SEK     wo das GIF beginnt, in Sekunden (start_time)
</translation>
    </message>
    <message>
        <source>the audio track as a file</source>
        <translation>die Tonspur als Datei</translation>
    </message>
    <message>
        <source>  --bitrate KBPS          audio bitrate (bitrate_kbps)
</source>
        <translation>  --bitrate KBPS          Audio-Bitrate (bitrate_kbps)
</translation>
    </message>
    <message>
        <source>the video without its sound</source>
        <translation>das Video ohne Ton</translation>
    </message>
    <message>
        <source>join 2 to 50 files (all local or all URLs)</source>
        <translation>2 bis 50 Dateien aneinanderhängen (alle lokal oder alle URLs)</translation>
    </message>
    <message>
        <source>apply filters in order (scale, rotate, crop, fps, volume, ...)</source>
        <translation>Filter der Reihe nach anwenden (scale, rotate, crop, fps, volume, ...)</translation>
    </message>
    <message>
        <source>  --filter SPEC           one filter, repeatable: grayscale, scale:width=640,
                          rotate:angle=90, or JSON such as &apos;{&quot;type&quot;:&quot;fps&quot;,&quot;fps&quot;:10}&apos;
  --to, --format FORMAT   output format (target_format)
</source>
        <translation>  --filter SPEZ           ein Filter, wiederholbar: grayscale, scale:width=640,
                          rotate:angle=90 oder JSON wie &apos;{&quot;type&quot;:&quot;fps&quot;,&quot;fps&quot;:10}&apos;
  --to, --format FORMAT   Ausgabeformat (target_format)
</translation>
    </message>
    <message>
        <source>a subtitle track as a file</source>
        <translation>eine Untertitelspur als Datei</translation>
    </message>
    <message>
        <source>  --index, --stream N     which subtitle stream, from 0 (subtitle_index)
</source>
        <translation>  --index, --stream N     welche Untertitelspur, ab 0 (subtitle_index)
</translation>
    </message>
    <message>
        <source>draw the input&apos;s subtitles into the picture</source>
        <translation>die Untertitel der Eingabe ins Bild brennen</translation>
    </message>
    <message>
        <source>show the format and the streams</source>
        <translation>Format und Spuren zeigen</translation>
    </message>
    <message>
        <source>Global options (before or after the command):
  -s, --server URL        the service (default ws://127.0.0.1:8080/ or MEDIAFORGE_SERVER)
  --token TOKEN           access token (default MEDIAFORGE_TOKEN)
  --json                  one JSON object per event on stdout
  -q, --quiet             no progress and no summary, only errors
  --lang LANGUAGE         language of the messages, e.g. de or en (default: the locale)
  -h, --help              this help; mediaforge COMMAND --help for one command
  -V, --version           the version
</source>
        <translation>Globale Optionen (vor oder nach dem Befehl):
  -s, --server URL        der Dienst (Vorgabe ws://127.0.0.1:8080/ oder MEDIAFORGE_SERVER)
  --token TOKEN           Zugangstoken (Vorgabe MEDIAFORGE_TOKEN)
  --json                  ein JSON-Objekt pro Ereignis auf stdout
  -q, --quiet             kein Fortschritt, keine Zusammenfassung, nur Fehler
  --lang SPRACHE          Sprache der Meldungen, z. B. de oder en (Vorgabe: die Locale)
  -h, --help              diese Hilfe; mediaforge BEFEHL --help für einen Befehl
  -V, --version           die Version
</translation>
    </message>
    <message>
        <source>Exit codes:
  0    success
  1    the job or the request failed (the service&apos;s error code is printed)
  2    usage: bad arguments or option values, nothing was sent
  3    cannot connect to the service, or the connection was lost
  4    token refused or not allowed (UNAUTHORIZED, FORBIDDEN)
  130  interrupted with Ctrl-C (the job was cancelled unless detached)
</source>
        <translation>Rückgabewerte:
  0    Erfolg
  1    der Auftrag oder die Anfrage ist gescheitert (der Fehlercode des Dienstes wird gezeigt)
  2    Aufruf: falsche Argumente oder Optionswerte, nichts wurde gesendet
  3    keine Verbindung zum Dienst, oder die Verbindung ging verloren
  4    Token abgelehnt oder nicht erlaubt (UNAUTHORIZED, FORBIDDEN)
  130  mit Strg-C unterbrochen (der Auftrag wurde abgebrochen, außer mit --detach)
</translation>
    </message>
    <message>
        <source>Options of %1 (the service&apos;s schema):
</source>
        <translation>Optionen von %1 (das Schema des Dienstes):
</translation>
    </message>
    <message>
        <source>Usage: mediaforge %1 %2 [options]
</source>
        <translation>Aufruf: mediaforge %1 %2 [Optionen]
</translation>
    </message>
    <message>
        <source>       (the same as: mediaforge run %1 ...)
</source>
        <translation>        (dasselbe wie: mediaforge run %1 ...)
</translation>
    </message>
    <message>
        <source>Usage: mediaforge run %1 %2 [options]
</source>
        <translation>Aufruf: mediaforge run %1 %2 [Optionen]
</translation>
    </message>
    <message>
        <source>Shorthand flags:
</source>
        <translation>Kurzformen:
</translation>
    </message>
    <message>
        <source>Usage: mediaforge [global options] COMMAND [arguments] [options]

Sends media jobs to a Mediaforge service (mediaforged), shows their progress and saves
the results.

Jobs:
  run OPERATION INPUT...  any operation, with --option KEY=VALUE
</source>
        <translation>Aufruf: mediaforge [globale Optionen] BEFEHL [Argumente] [Optionen]

Schickt Medienaufträge an einen Mediaforge-Dienst (mediaforged), zeigt ihren Fortschritt
und speichert die Ergebnisse.

Aufträge:
  run OPERATION INPUT...  jede Operation, mit --option SCHLÜSSEL=WERT
</translation>
    </message>
    <message>
        <source>Usage: mediaforge probe INPUT [--json]

Shows the container format and every stream of a local file (uploaded) or an http(s)
URL (downloaded by the service). --json prints the service&apos;s result as it is.

</source>
        <translation>Aufruf: mediaforge probe INPUT [--json]

Zeigt das Containerformat und jede Spur einer lokalen Datei (wird hochgeladen) oder einer
http(s)-URL (lädt der Dienst). --json gibt das Ergebnis des Dienstes unverändert aus.

</translation>
    </message>
    <message>
        <source>Usage: mediaforge status JOB [--json]

Shows one job: its state, progress, input, outputs and error. JOB is its job_id or the
id the service gave it (which also reaches jobs of other connections).

</source>
        <translation>Aufruf: mediaforge status JOB [--json]

Zeigt einen Auftrag: Zustand, Fortschritt, Eingabe, Ausgaben und Fehler. JOB ist seine
job_id oder die id, die der Dienst ihm gab (die auch Aufträge anderer Verbindungen erreicht).

</translation>
    </message>
    <message>
        <source>Usage: mediaforge cancel JOB

Cancels a job that has not finished. JOB is its job_id or its id.

</source>
        <translation>Aufruf: mediaforge cancel JOB

Bricht einen Auftrag ab, der noch nicht fertig ist. JOB ist seine job_id oder seine id.

</translation>
    </message>
    <message>
        <source>Usage: mediaforge health [--http URL] [--json]

Asks the service&apos;s HTTP endpoint /health (its address comes from the WebSocket
welcome, or from --http) and prints the status.

Options:
  --http URL              the HTTP address, e.g. http://127.0.0.1:8081

Exit codes: 0 healthy, 1 degraded, 3 unreachable.

</source>
        <translation>Aufruf: mediaforge health [--http URL] [--json]

Fragt den HTTP-Endpunkt /health des Dienstes (seine Adresse kommt aus dem WebSocket-
welcome oder von --http) und zeigt den Zustand.

Optionen:
  --http URL              die HTTP-Adresse, z. B. http://127.0.0.1:8081

Rückgabewerte: 0 gesund, 1 eingeschränkt, 3 nicht erreichbar.

</translation>
    </message>
    <message>
        <source>Usage: mediaforge watch [--json]

Shows every job of the service live (admins only): a table redrawn in place on a
terminal, one line per event otherwise, the service&apos;s messages with --json.
Stops with Ctrl-C (exit code 0).

</source>
        <translation>Aufruf: mediaforge watch [--json]

Zeigt alle Aufträge des Dienstes live (nur Admins): im Terminal eine Tabelle, die sich
an Ort und Stelle erneuert, sonst eine Zeile pro Ereignis, mit --json die Nachrichten
des Dienstes. Endet mit Strg-C (Rückgabewert 0).

</translation>
    </message>
    <message>
        <source>INPUT [--preset low|medium|high] [--crf N]</source>
        <translation>INPUT [--preset low|medium|high] [--crf N]</translation>
    </message>
    <message>
        <source>INPUT --to FORMAT</source>
        <translation>INPUT --to FORMAT</translation>
    </message>
    <message>
        <source>INPUT [--at SECONDS | --count N]</source>
        <translation>INPUT [--at SEKUNDEN | --count N]</translation>
    </message>
    <message>
        <source>INPUT [--from SECONDS] [--to SECONDS]</source>
        <translation>INPUT [--from SEK] [--to SEK]</translation>
    </message>
    <message>
        <source>INPUT --factor X</source>
        <translation>INPUT --factor X</translation>
    </message>
    <message>
        <source>INPUT --duration SECONDS</source>
        <translation>INPUT --duration SEKUNDEN</translation>
    </message>
    <message>
        <source>INPUT [--format mp3|aac|wav|opus|m4a|flac|ogg]</source>
        <translation>INPUT [--format mp3|aac|wav|opus|m4a|flac|ogg]</translation>
    </message>
    <message>
        <source>INPUT</source>
        <translation>INPUT</translation>
    </message>
    <message>
        <source>INPUT INPUT... [--to FORMAT]</source>
        <translation>INPUT INPUT... [--to FORMAT]</translation>
    </message>
    <message>
        <source>INPUT --filter TYPE[:KEY=VALUE,...]...</source>
        <translation>INPUT --filter TYP[:SCHLÜSSEL=WERT,...]...</translation>
    </message>
    <message>
        <source>INPUT [--format srt|vtt|ass]</source>
        <translation>INPUT [--format srt|vtt|ass]</translation>
    </message>
    <message>
        <source>--before takes the cursor a previous page printed</source>
        <translation>--before nimmt den Zeiger, den eine vorige Seite ausgab</translation>
    </message>
    <message>
        <source>Usage: mediaforge jobs [--state STATE[,STATE...]] [--limit N] [--before CURSOR | --all] [--json]

Lists jobs, newest first: yours, or every job for an admin.

Options:
  --state STATES          only these: awaiting_upload, downloading, queued, processing,
                          completed, failed, cancelled (repeatable or comma-separated)
  --limit N               at most N jobs, 1 to 1000 (default 100); with --all, per page
  --before CURSOR         the next older page: the cursor the previous page printed
  --all                   every page, down to the oldest job the service keeps

Unfinished jobs come first, then finished ones from the service&apos;s history
(--history-days). When older jobs remain, the command says how to list them.

</source>
        <translation>Aufruf: mediaforge jobs [--state ZUSTAND[,ZUSTAND...]] [--limit N] [--before ZEIGER | --all] [--json]

Listet Aufträge auf, die neuesten zuerst: Ihre, oder für Admins alle.

Optionen:
  --state ZUSTÄNDE        nur diese: awaiting_upload, downloading, queued, processing,
                          completed, failed, cancelled (wiederholbar oder mit Kommas)
  --limit N               höchstens N Aufträge, 1 bis 1000 (Vorgabe 100); mit --all je Seite
  --before ZEIGER         die nächste ältere Seite: der Zeiger, den die vorige Seite ausgab
  --all                   alle Seiten, bis zum ältesten Auftrag, den der Dienst aufbewahrt

Erst kommen unbeendete Aufträge, dann beendete aus dem Verlauf des Dienstes
(--history-days). Gibt es noch ältere, sagt der Befehl, wie man sie auflistet.

</translation>
    </message>
    <message>
        <source>  preset NAME INPUT       a preset of the service (see presets), with -O KEY=VALUE
</source>
        <translation>  preset NAME INPUT       eine Vorlage des Dienstes (siehe presets), mit -O SCHLÜSSEL=WERT
</translation>
    </message>
    <message>
        <source>Presets:
  presets                 the presets the service offers you, with what each lets you set

</source>
        <translation>Vorlagen:
  presets                 die Vorlagen, die der Dienst Ihnen anbietet, und was sich an jeder einstellen lässt

</translation>
    </message>
    <message>
        <source>Usage: mediaforge presets [--json]

Lists the presets of the service that your token may use: each name, its operation,
what it is for, and the options you may set with -O (range or choices, default).

</source>
        <translation>Aufruf: mediaforge presets [--json]

Listet die Vorlagen des Dienstes, die Ihr Token verwenden darf: jeden Namen, seine Operation,
wofür sie gedacht ist und die Optionen, die Sie mit -O setzen dürfen (Bereich oder Auswahl, Vorgabe).

</translation>
    </message>
    <message>
        <source>Usage: mediaforge preset NAME INPUT [-O KEY=VALUE]... [options]
       mediaforge run NAME INPUT ... (when NAME is not also an operation)

Runs the service&apos;s preset NAME on INPUT, shows the progress and saves the result.
The preset fixes the operation and its options; -O sets one of those it lets you
set (mediaforge presets lists them). The service checks the values.

</source>
        <translation>Aufruf: mediaforge preset NAME INPUT [-O SCHLÜSSEL=WERT]... [Optionen]
        mediaforge run NAME INPUT ... (wenn NAME nicht auch eine Operation ist)

Führt die Vorlage NAME des Dienstes auf INPUT aus, zeigt den Fortschritt und speichert das Ergebnis.
Die Vorlage legt die Operation und ihre Optionen fest; -O setzt eine der Optionen, die sie
freigibt (mediaforge presets listet sie). Der Dienst prüft die Werte.

</translation>
    </message>
    <message>
        <source>several inputs are either all local files or all URLs and storage objects</source>
        <translation>mehrere Eingaben sind entweder alle lokale Dateien oder alle URLs und Speicherobjekte</translation>
    </message>
    <message>
        <source>--job-id names one job; several inputs get one each</source>
        <translation>--job-id benennt einen Auftrag; mehrere Eingaben bekommen je einen</translation>
    </message>
    <message>
        <source>--detach needs URLs or storage objects when there are several inputs (local files are uploaded while mediaforge runs)</source>
        <translation>--detach braucht bei mehreren Eingaben URLs oder Speicherobjekte (lokale Dateien werden hochgeladen, solange mediaforge läuft)</translation>
    </message>
    <message>
        <source>-o must be a folder when there are several inputs; %1 is a file</source>
        <translation>-o muss bei mehreren Eingaben ein Ordner sein; %1 ist eine Datei</translation>
    </message>
    <message>
        <source>a storage object is storage://NAME/KEY, not &apos;%1&apos;</source>
        <translation>ein Speicherobjekt ist storage://NAME/KEY, nicht &apos;%1&apos;</translation>
    </message>
    <message>
        <source>only http://, https:// and storage:// URLs can be inputs, not &apos;%1&apos;</source>
        <translation>nur http://-, https://- und storage://-URLs können Eingaben sein, nicht &apos;%1&apos;</translation>
    </message>
    <message>
        <source>Options:
  -O, --option KEY=VALUE  an option of the operation, repeatable
  --KEY VALUE             the same with the option&apos;s name (--max-width 640);
                          true/false options are switches (--accurate, --no-accurate)
  -o, --output PATH       where to save; a folder when there are several outputs or inputs
                          (default: the service&apos;s file name in the current folder,
                          several outputs in a folder named after the input)
  -f, --force             overwrite existing files
  --detach                the job runs on without mediaforge; prints its id for
                          &apos;mediaforge fetch&apos; once the service has the input
  --priority PRIORITY     low, normal or high
  --job-id ID             the job&apos;s job_id (default: chosen by the service)
</source>
        <translation>Optionen:
  -O, --option S=W        eine Option der Operation (SCHLÜSSEL=WERT), wiederholbar
  --SCHLÜSSEL WERT        dasselbe mit dem Namen der Option (--max-width 640);
                          true/false-Optionen sind Schalter (--accurate, --no-accurate)
  -o, --output PFAD       wohin speichern; ein Ordner bei mehreren Ausgaben oder Eingaben
                          (Vorgabe: der Dateiname des Dienstes im aktuellen Ordner,
                          mehrere Ausgaben in einem Ordner nach dem Namen der Eingabe)
  -f, --force             vorhandene Dateien überschreiben
  --detach                der Auftrag läuft ohne mediaforge weiter; gibt seine id für
                          &apos;mediaforge fetch&apos; aus, sobald der Dienst die Eingabe hat
  --priority PRIORITÄT    low, normal oder high
  --job-id ID             die job_id des Auftrags (Vorgabe: vom Dienst gewählt)
</translation>
    </message>
    <message>
        <source>INPUT is a local file (uploaded), an http(s) URL or storage://NAME/KEY (fetched by the service);
several INPUTs run once each (URLs and storage objects as one batch of the service).

</source>
        <translation>INPUT ist eine lokale Datei (wird hochgeladen), eine http(s)-URL oder storage://NAME/KEY (holt der Dienst);
mehrere INPUTs laufen je einmal (URLs und Speicherobjekte als ein Batch des Dienstes).

</translation>
    </message>
    <message>
        <source>  probe INPUT             the format and streams of a file or URL

The service:
  jobs                    list jobs (--state, --limit, --before, --all)
  status JOB              one job&apos;s state
  cancel JOB              cancel a job
  fetch JOB               save the outputs of a detached job (waits for it)
  health                  the service&apos;s health (HTTP /health)
  watch                   live view of every job (admin)
  help COMMAND            help for one command

INPUT is a local file (uploaded), an http(s) URL or storage://NAME/KEY (fetched by the service);
several INPUTs run once each (URLs and storage objects as one batch of the service).
JOB is a job_id or the id the service gave the job.

</source>
        <translation>  probe INPUT             Format und Spuren einer Datei oder URL

Der Dienst:
  jobs                    Aufträge auflisten (--state, --limit, --before, --all)
  status JOB              der Zustand eines Auftrags
  cancel JOB              einen Auftrag abbrechen
  fetch JOB               die Ausgaben eines abgekoppelten Auftrags speichern (wartet darauf)
  health                  der Zustand des Dienstes (HTTP /health)
  watch                   Live-Ansicht aller Aufträge (Admin)
  help BEFEHL             Hilfe zu einem Befehl

INPUT ist eine lokale Datei (wird hochgeladen), eine http(s)-URL oder storage://NAME/KEY (holt der Dienst);
mehrere INPUTs laufen je einmal (URLs und Speicherobjekte als ein Batch des Dienstes).
JOB ist eine job_id oder die id, die der Dienst dem Auftrag gab.

</translation>
    </message>
    <message>
        <source>
Examples:
  mediaforge compress clip.mov --preset high
  mediaforge thumbnail clip.mp4 --count 5 -o frames/
  mediaforge thumbnail *.mp4 -o thumbs/
  mediaforge trim https://example.com/talk.mp4 --from 10 --to 20
  mediaforge run convert clip.mov --option target_format=webm
</source>
        <translation>
Beispiele:
  mediaforge compress clip.mov --preset high
  mediaforge thumbnail clip.mp4 --count 5 -o bilder/
  mediaforge thumbnail *.mp4 -o vorschau/
  mediaforge trim https://example.com/vortrag.mp4 --from 10 --to 20
  mediaforge run convert clip.mov --option target_format=webm
</translation>
    </message>
    <message>
        <source>Usage: mediaforge run OPERATION INPUT... [options]

Runs OPERATION on INPUT, shows the progress and saves the result.
Operations: %1
Options of one operation: mediaforge run OPERATION --help

INPUT is a local file (uploaded), an http(s) URL or storage://NAME/KEY (fetched by the service);
several INPUTs run once each (URLs and storage objects as one batch of the service).

</source>
        <translation>Aufruf: mediaforge run OPERATION INPUT... [Optionen]

Führt OPERATION mit INPUT aus, zeigt den Fortschritt und speichert das Ergebnis.
Operationen: %1
Optionen einer Operation: mediaforge run OPERATION --help

INPUT ist eine lokale Datei (wird hochgeladen), eine http(s)-URL oder storage://NAME/KEY (holt der Dienst);
mehrere INPUTs laufen je einmal (URLs und Speicherobjekte als ein Batch des Dienstes).

</translation>
    </message>
    <message>
        <source>Usage: mediaforge fetch JOB [-o PATH] [--index N] [--force]

Saves the outputs of a detached job (see run --detach), checking each file&apos;s SHA-256.
Waits, showing the progress, while the job is still running.

Options:
  -o, --output PATH       where to save; a folder when there are several outputs
  --index N               only output N (from 0)
  -f, --force             overwrite existing files

</source>
        <translation>Aufruf: mediaforge fetch JOB [-o PFAD] [--index N] [--force]

Speichert die Ausgaben eines abgekoppelten Auftrags (siehe run --detach) und prüft die
SHA-256 jeder Datei. Wartet mit Fortschrittsanzeige, solange der Auftrag noch läuft.

Optionen:
  -o, --output PFAD       wohin speichern; ein Ordner bei mehreren Ausgaben
  --index N               nur Ausgabe N (ab 0)
  -f, --force             vorhandene Dateien überschreiben

</translation>
    </message>
</context>
<context>
    <name>Format</name>
    <message>
        <source>%1 B</source>
        <translation>%1 B</translation>
    </message>
    <message>
        <source>%1 KiB</source>
        <translation>%1 KiB</translation>
    </message>
    <message>
        <source>%1 MiB</source>
        <translation>%1 MiB</translation>
    </message>
    <message>
        <source>%1 GiB</source>
        <translation>%1 GiB</translation>
    </message>
    <message>
        <source>%1 TiB</source>
        <translation>%1 TiB</translation>
    </message>
    <message>
        <source>%1/s</source>
        <translation>%1/s</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1x</source>
        <translation>%1x</translation>
    </message>
</context>
<context>
    <name>JobView</name>
    <message>
        <source>awaiting upload</source>
        <translation>wartet auf Upload</translation>
    </message>
    <message>
        <source>downloading</source>
        <translation>lädt herunter</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>in der Warteschlange</translation>
    </message>
    <message>
        <source>processing</source>
        <translation>in Arbeit</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>fertig</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>gescheitert</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>JOB ID</source>
        <translation>JOB-ID</translation>
    </message>
    <message>
        <source>OPERATION</source>
        <translation>OPERATION</translation>
    </message>
    <message>
        <source>STATUS</source>
        <translation>STATUS</translation>
    </message>
    <message>
        <source>PROGRESS</source>
        <translation>FORTSCHRITT</translation>
    </message>
    <message>
        <source>PRIORITY</source>
        <translation>PRIORITÄT</translation>
    </message>
    <message>
        <source>INPUT</source>
        <translation>EINGABE</translation>
    </message>
    <message>
        <source>CREATED</source>
        <translation>ERSTELLT</translation>
    </message>
    <message>
        <source>OWNER</source>
        <translation>EIGENTÜMER</translation>
    </message>
    <message>
        <source>job</source>
        <translation>Auftrag</translation>
    </message>
    <message>
        <source>id</source>
        <translation>id</translation>
    </message>
    <message>
        <source>operation</source>
        <translation>Operation</translation>
    </message>
    <message>
        <source>status</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>priority</source>
        <translation>Priorität</translation>
    </message>
    <message>
        <source>detached</source>
        <translation>abgekoppelt</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>%1 files</source>
        <translation>%1 Dateien</translation>
    </message>
    <message>
        <source>input</source>
        <translation>Eingabe</translation>
    </message>
    <message>
        <source>options</source>
        <translation>Optionen</translation>
    </message>
    <message>
        <source>created</source>
        <translation>erstellt</translation>
    </message>
    <message>
        <source>started</source>
        <translation>gestartet</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>beendet</translation>
    </message>
    <message>
        <source>owner</source>
        <translation>Eigentümer</translation>
    </message>
    <message>
        <source>[no longer available]</source>
        <translation>[nicht mehr verfügbar]</translation>
    </message>
    <message>
        <source>outputs</source>
        <translation>Ausgaben</translation>
    </message>
    <message>
        <source>error</source>
        <translation>Fehler</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Cli::Application</name>
    <message>
        <source>error: %1: %2</source>
        <translation>Fehler: %1: %2</translation>
    </message>
    <message>
        <source>the service refused the token</source>
        <translation>der Dienst hat das Token abgelehnt</translation>
    </message>
    <message>
        <source>mediaforge: cannot connect to %1: %2</source>
        <translation>mediaforge: keine Verbindung zu %1: %2</translation>
    </message>
    <message>
        <source>mediaforge: %1 closed the connection before saying welcome</source>
        <translation>mediaforge: %1 hat die Verbindung vor dem welcome geschlossen</translation>
    </message>
    <message>
        <source>mediaforge: %1 closed the connection before saying welcome: %2</source>
        <translation>mediaforge: %1 hat die Verbindung vor dem welcome geschlossen: %2</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>unterbrochen</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Cli::BatchCommand</name>
    <message numerus="yes">
        <source>batch %1 accepted: %n inputs (id %2)</source>
        <translation>
            <numerusform>Batch %1 angenommen: %n Eingabe (id %2)</numerusform>
            <numerusform>Batch %1 angenommen: %n Eingaben (id %2)</numerusform>
        </translation>
    </message>
    <message>
        <source>warning: %1: %2</source>
        <translation>Warnung: %1: %2</translation>
    </message>
    <message>
        <source>%1: done</source>
        <translation>%1: fertig</translation>
    </message>
    <message>
        <source>%1: saved %2</source>
        <translation>%1: %2 gespeichert</translation>
    </message>
    <message>
        <source>%1: failed: %2: %3</source>
        <translation>%1: fehlgeschlagen: %2: %3</translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n inputs done, %2 failed</source>
        <translation>
            <numerusform>%1 von %n Eingabe fertig, %2 fehlgeschlagen</numerusform>
            <numerusform>%1 von %n Eingaben fertig, %2 fehlgeschlagen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n inputs done</source>
        <translation>
            <numerusform>%n Eingabe fertig</numerusform>
            <numerusform>%n Eingaben fertig</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 in %2</source>
        <translation>%1 in %2</translation>
    </message>
    <message>
        <source>batch %1 runs on in the service; save the results with: mediaforge fetch %1:0 … %1:%2</source>
        <translation>Batch %1 läuft im Dienst weiter; die Ergebnisse speichern mit: mediaforge fetch %1:0 … %1:%2</translation>
    </message>
    <message numerus="yes">
        <source>interrupted; %n unfinished inputs cancelled</source>
        <translation>
            <numerusform>unterbrochen; %n unfertige Eingabe abgebrochen</numerusform>
            <numerusform>unterbrochen; %n unfertige Eingaben abgebrochen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>interrupted; the service did not confirm cancelling %n unfinished inputs</source>
        <translation>
            <numerusform>unterbrochen; der Dienst hat den Abbruch von %n unfertigen Eingabe nicht bestätigt</numerusform>
            <numerusform>unterbrochen; der Dienst hat den Abbruch von %n unfertigen Eingaben nicht bestätigt</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Mediaforge::Cli::CancelCommand</name>
    <message>
        <source>cancelled job %1 (id %2)</source>
        <translation>Auftrag %1 abgebrochen (id %2)</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Cli::FetchCommand</name>
    <message>
        <source>the job %1</source>
        <translation>der Auftrag ist %1</translation>
    </message>
    <message>
        <source>job %1 has no output files</source>
        <translation>Auftrag %1 hat keine Ausgabedateien</translation>
    </message>
    <message>
        <source>the outputs of job %1 were delivered or expired and are gone</source>
        <translation>die Ausgaben von Auftrag %1 wurden ausgeliefert oder sind abgelaufen und weg</translation>
    </message>
    <message>
        <source>--index %1: job %2 has outputs 0 to %3</source>
        <translation>--index %1: Auftrag %2 hat die Ausgaben 0 bis %3</translation>
    </message>
    <message>
        <source>saved %1 (%2)</source>
        <translation>gespeichert: %1 (%2)</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>unterbrochen</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Cli::HealthCommand</name>
    <message>
        <source>the service did not say where its HTTP port is; give it with --http URL</source>
        <translation>der Dienst hat seinen HTTP-Port nicht genannt; geben Sie ihn mit --http URL an</translation>
    </message>
    <message>
        <source>cannot reach %1: %2</source>
        <translation>%1 nicht erreichbar: %2</translation>
    </message>
    <message>
        <source>%1 answered HTTP %2, not a health report</source>
        <translation>%1 antwortete mit HTTP %2, nicht mit einem Zustandsbericht</translation>
    </message>
    <message>
        <source>healthy</source>
        <translation>gesund</translation>
    </message>
    <message>
        <source>degraded</source>
        <translation>eingeschränkt</translation>
    </message>
    <message>
        <source>%1: mediaforged %2, ffmpeg %3, up %4</source>
        <translation>%1: mediaforged %2, ffmpeg %3, läuft seit %4</translation>
    </message>
    <message>
        <source>missing</source>
        <translation>fehlt</translation>
    </message>
    <message>
        <source>jobs: %1 active, %2 queued, %3 completed, %4 failed, %5 cancelled; workers: %6; connections: %7</source>
        <translation>Aufträge: %1 aktiv, %2 wartend, %3 fertig, %4 gescheitert, %5 abgebrochen; Worker: %6; Verbindungen: %7</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Cli::JobsCommand</name>
    <message>
        <source>no jobs</source>
        <translation>keine Aufträge</translation>
    </message>
    <message>
        <source>older jobs remain: mediaforge jobs --before %1 (or --all)</source>
        <translation>ältere Aufträge gibt es noch: mediaforge jobs --before %1 (oder --all)</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Cli::PresetsCommand</name>
    <message>
        <source> (default %1)</source>
        <translation> (Vorgabe %1)</translation>
    </message>
    <message>
        <source>no presets</source>
        <translation>keine Vorlagen</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Cli::RunCommand</name>
    <message>
        <source>%1 already exists; use --force to overwrite it, or -o to save elsewhere</source>
        <translation>%1 existiert schon; --force überschreibt, -o speichert anderswo</translation>
    </message>
    <message>
        <source>job %1 accepted (id %2)</source>
        <translation>Auftrag %1 angenommen (id %2)</translation>
    </message>
    <message>
        <source>warning: %1: %2</source>
        <translation>Warnung: %1: %2</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>unterbrochen</translation>
    </message>
    <message>
        <source>interrupted; job %1 cancelled</source>
        <translation>unterbrochen; Auftrag %1 abgebrochen</translation>
    </message>
    <message>
        <source>job %1 runs on in the service; save its result with: mediaforge fetch %2</source>
        <translation>Auftrag %1 läuft im Dienst weiter; das Ergebnis speichert: mediaforge fetch %2</translation>
    </message>
    <message>
        <source>saved %1 (%2)</source>
        <translation>gespeichert: %1 (%2)</translation>
    </message>
    <message>
        <source>job %1 completed</source>
        <translation>Auftrag %1 fertig</translation>
    </message>
    <message>
        <source>done in %1 (service: %2)</source>
        <translation>fertig in %1 (Dienst: %2)</translation>
    </message>
    <message>
        <source>format</source>
        <translation>Format</translation>
    </message>
    <message>
        <source>duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>bit rate</source>
        <translation>Bitrate</translation>
    </message>
    <message>
        <source>%1 kbit/s</source>
        <translation>%1 kbit/s</translation>
    </message>
    <message>
        <source>STREAM</source>
        <translation>SPUR</translation>
    </message>
    <message>
        <source>TYPE</source>
        <translation>ART</translation>
    </message>
    <message>
        <source>CODEC</source>
        <translation>CODEC</translation>
    </message>
    <message>
        <source>PROFILE</source>
        <translation>PROFIL</translation>
    </message>
    <message>
        <source>DETAILS</source>
        <translation>DETAILS</translation>
    </message>
    <message>
        <source>%1 fps</source>
        <translation>%1 fps</translation>
    </message>
    <message>
        <source>%1 Hz</source>
        <translation>%1 Hz</translation>
    </message>
    <message>
        <source>1 channel</source>
        <translation>1 Kanal</translation>
    </message>
    <message>
        <source>%1 channels</source>
        <translation>%1 Kanäle</translation>
    </message>
    <message>
        <source>language %1</source>
        <translation>Sprache %1</translation>
    </message>
    <message>
        <source>interrupted; job %1 had already finished</source>
        <translation>unterbrochen; Auftrag %1 war schon fertig</translation>
    </message>
    <message>
        <source>interrupted; job %1 may still be running: see mediaforge status %2</source>
        <translation>unterbrochen; Auftrag %1 läuft womöglich weiter: siehe mediaforge status %2</translation>
    </message>
    <message>
        <source>interrupted; job %1 cancelled with the connection</source>
        <translation>unterbrochen; Auftrag %1 endete mit der Verbindung</translation>
    </message>
    <message>
        <source>interrupted; the service did not confirm cancelling job %1: see mediaforge status %2</source>
        <translation>unterbrochen; der Dienst hat den Abbruch von Auftrag %1 nicht bestätigt: siehe mediaforge status %2</translation>
    </message>
    <message>
        <source>connection to %1 lost (%2); reconnecting in %3 s (attempt %4 of %5)</source>
        <translation>Verbindung zu %1 verloren (%2); neuer Versuch in %3 s (Versuch %4 von %5)</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>geschlossen</translation>
    </message>
    <message>
        <source>reconnected to %1</source>
        <translation>wieder verbunden mit %1</translation>
    </message>
    <message>
        <source>resuming the upload at byte %1</source>
        <translation>der Upload geht bei Byte %1 weiter</translation>
    </message>
    <message>
        <source>&apos;%1&apos; is neither an operation nor a preset of this service; presets: %2</source>
        <translation>„%1“ ist weder eine Operation noch eine Vorlage dieses Dienstes; Vorlagen: %2</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Cli::Task</name>
    <message>
        <source>the service closed the connection: %1</source>
        <translation>der Dienst hat die Verbindung geschlossen: %1</translation>
    </message>
    <message>
        <source>lost the connection to %1</source>
        <translation>Verbindung zu %1 verloren</translation>
    </message>
    <message>
        <source>lost the connection to %1: %2</source>
        <translation>Verbindung zu %1 verloren: %2</translation>
    </message>
    <message>
        <source>error: %1: %2</source>
        <translation>Fehler: %1: %2</translation>
    </message>
    <message>
        <source>no job &apos;%1&apos;: neither one of your job_ids nor a job&apos;s id</source>
        <translation>kein Auftrag &apos;%1&apos;: weder eine Ihrer job_ids noch die id eines Auftrags</translation>
    </message>
</context>
<context>
    <name>Mediaforge::Cli::WatchCommand</name>
    <message>
        <source>watching %1 (Ctrl-C stops)</source>
        <translation>beobachte %1 (Strg-C beendet)</translation>
    </message>
    <message>
        <source>no jobs</source>
        <translation>keine Aufträge</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>JOB ID</source>
        <translation>JOB-ID</translation>
    </message>
    <message>
        <source>OWNER</source>
        <translation>EIGENTÜMER</translation>
    </message>
    <message>
        <source>OPERATION</source>
        <translation>OPERATION</translation>
    </message>
    <message>
        <source>STATUS</source>
        <translation>STATUS</translation>
    </message>
    <message>
        <source>PROGRESS</source>
        <translation>FORTSCHRITT</translation>
    </message>
    <message>
        <source>SPEED</source>
        <translation>TEMPO</translation>
    </message>
    <message>
        <source>ETA</source>
        <translation>REST</translation>
    </message>
    <message>
        <source>workers %1/%2 busy, %3 queued; %4 completed, %5 failed, %6 cancelled; connections: %7</source>
        <translation>Worker %1/%2 belegt, %3 wartend; %4 fertig, %5 gescheitert, %6 abgebrochen; Verbindungen: %7</translation>
    </message>
</context>
<context>
    <name>Mediaforge::ClientConnection</name>
    <message>
        <source>no welcome from the service within %1 s</source>
        <translation>kein welcome vom Dienst innerhalb von %1 s</translation>
    </message>
    <message>
        <source>connection timed out after %1 s</source>
        <translation>Zeitüberschreitung der Verbindung nach %1 s</translation>
    </message>
    <message>
        <source>the connection closed</source>
        <translation>die Verbindung wurde geschlossen</translation>
    </message>
    <message>
        <source>cannot read %1: %2</source>
        <translation>%1 nicht lesbar: %2</translation>
    </message>
    <message>
        <source>cannot read %1</source>
        <translation>%1 nicht lesbar</translation>
    </message>
    <message>
        <source>cannot go on at byte %1 of %2</source>
        <translation>kann bei Byte %1 von %2 nicht weitermachen</translation>
    </message>
</context>
<context>
    <name>OutputPlanner</name>
    <message>
        <source>%1 exists and is not a folder</source>
        <translation>%1 existiert und ist kein Ordner</translation>
    </message>
    <message>
        <source>%1 already exists; use --force to overwrite it, or -o to save elsewhere</source>
        <translation>%1 existiert schon; --force überschreibt, -o speichert anderswo</translation>
    </message>
    <message>
        <source>cannot create the folder %1</source>
        <translation>Ordner %1 kann nicht angelegt werden</translation>
    </message>
</context>
<context>
    <name>OutputReceiver</name>
    <message>
        <source>the service sent output %1, which was not announced</source>
        <translation>der Dienst schickte Ausgabe %1, die nicht angekündigt war</translation>
    </message>
    <message>
        <source>the service sent output %1 twice</source>
        <translation>der Dienst schickte Ausgabe %1 zweimal</translation>
    </message>
    <message>
        <source>%1: SHA-256 %2 differs from the %3 the service reports having sent</source>
        <translation>%1: SHA-256 %2 weicht von %3 ab, das der Dienst gesendet haben will</translation>
    </message>
</context>
<context>
    <name>OutputWriter</name>
    <message>
        <source>%1 already exists; use --force to overwrite it, or -o to save elsewhere</source>
        <translation>%1 existiert schon; --force überschreibt, -o speichert anderswo</translation>
    </message>
    <message>
        <source>%1 is a folder</source>
        <translation>%1 ist ein Ordner</translation>
    </message>
    <message>
        <source>cannot write in %1: %2</source>
        <translation>in %1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>%1 is not open for writing</source>
        <translation>%1 ist nicht zum Schreiben geöffnet</translation>
    </message>
    <message>
        <source>%1: a chunk at offset %2 does not continue the %3 bytes received</source>
        <translation>%1: ein Stück bei Offset %2 setzt die %3 empfangenen Bytes nicht fort</translation>
    </message>
    <message>
        <source>%1: more bytes arrived than the %2 announced</source>
        <translation>%1: mehr Bytes kamen an als die angekündigten %2</translation>
    </message>
    <message>
        <source>cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>%1: %2 bytes arrived, the service announced %3; the file was not saved</source>
        <translation>%1: %2 Bytes kamen an, der Dienst kündigte %3 an; die Datei wurde nicht gespeichert</translation>
    </message>
    <message>
        <source>%1: SHA-256 %2 differs from the service&apos;s %3; the file was not saved</source>
        <translation>%1: SHA-256 %2 weicht von %3 des Dienstes ab; die Datei wurde nicht gespeichert</translation>
    </message>
    <message>
        <source>cannot save %1: %2</source>
        <translation>%1 kann nicht gespeichert werden: %2</translation>
    </message>
</context>
<context>
    <name>ProgressRenderer</name>
    <message>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>ETA %1</source>
        <translation>noch %1</translation>
    </message>
    <message>
        <source>position %1</source>
        <translation>Platz %1</translation>
    </message>
    <message>
        <source>uploading</source>
        <translation>Hochladen</translation>
    </message>
    <message>
        <source>downloading</source>
        <translation>Herunterladen</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>Warteschlange</translation>
    </message>
    <message>
        <source>processing</source>
        <translation>Verarbeitung</translation>
    </message>
    <message>
        <source>finalizing</source>
        <translation>Abschluss</translation>
    </message>
    <message>
        <source>receiving</source>
        <translation>Empfang</translation>
    </message>
    <message>
        <source>%1 of %2 done</source>
        <translation>%1 von %2 fertig</translation>
    </message>
    <message numerus="yes">
        <source>%n failed</source>
        <translation>
            <numerusform>%n fehlgeschlagen</numerusform>
            <numerusform>%n fehlgeschlagen</numerusform>
        </translation>
    </message>
    <message>
        <source>batch</source>
        <translation>Batch</translation>
    </message>
</context>
</TS>
