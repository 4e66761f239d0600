<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>Mediaforge::Monitor::HealthPanel</name>
    <message numerus="yes">
        <source>%n waiting</source>
        <translation>
            <numerusform>%n waiting</numerusform>
            <numerusform>%n waiting</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n receiving input</source>
        <translation>
            <numerusform>%n receiving input</numerusform>
            <numerusform>%n receiving input</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n endpoint(s) failing</source>
        <extracomment>Notify URLs whose last webhook attempt failed (receivers down or refusing)</extracomment>
        <translation>
            <numerusform>%n endpoint failing</numerusform>
            <numerusform>%n endpoints failing</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n pending</source>
        <translation>
            <numerusform>%n pending</numerusform>
            <numerusform>%n pending</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n given up</source>
        <extracomment>Webhook deliveries given up after the retry window, since the service started</extracomment>
        <translation>
            <numerusform>%n given up</numerusform>
            <numerusform>%n given up</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::JobModel</name>
    <message numerus="yes">
        <source>%1 (+%n more)</source>
        <extracomment>A job with several input files: the first file&apos;s name and how many more there are</extracomment>
        <translation>
            <numerusform>%1 (+%n more)</numerusform>
            <numerusform>%1 (+%n more)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::NodesPanel</name>
    <message numerus="yes">
        <source>Nodes: %n</source>
        <extracomment>Title of the cluster&apos;s node list; %n nodes</extracomment>
        <translation>
            <numerusform>Nodes: %n</numerusform>
            <numerusform>Nodes: %n</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n draining</source>
        <translation>
            <numerusform>%n draining</numerusform>
            <numerusform>%n draining</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n gone</source>
        <translation>
            <numerusform>%n gone</numerusform>
            <numerusform>%n gone</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n encoders</source>
        <extracomment>How many encoders the node&apos;s ffmpeg has</extracomment>
        <translation>
            <numerusform>%n encoder</numerusform>
            <numerusform>%n encoders</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::ServiceSession</name>
    <message numerus="yes">
        <source>Reconnecting in %n s</source>
        <extracomment>The connection was lost; the next attempt is in %n seconds</extracomment>
        <translation>
            <numerusform>Reconnecting in %n s</numerusform>
            <numerusform>Reconnecting in %n s</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>No answer from the service within %n s</source>
        <translation>
            <numerusform>No answer from the service within %n s</numerusform>
            <numerusform>No answer from the service within %n s</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Stopping, %n s left</source>
        <extracomment>The service announced its shutdown and finishes its running jobs for up to %n more seconds</extracomment>
        <translation>
            <numerusform>Stopping, %n s left</numerusform>
            <numerusform>Stopping, %n s left</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::ServiceView</name>
    <message numerus="yes">
        <source>Copied %n job id(s)</source>
        <translation>
            <numerusform>Copied %n job id</numerusform>
            <numerusform>Copied %n job ids</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>and %n more</source>
        <extracomment>After a list of job ids in the cancel question: how many more are selected</extracomment>
        <translation>
            <numerusform>and %n more</numerusform>
            <numerusform>and %n more</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cancel %n jobs: %1?</source>
        <translation>
            <numerusform>Cancel %n job: %1?</numerusform>
            <numerusform>Cancel %n jobs: %1?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Copied %n service-wide ids</source>
        <translation>
            <numerusform>Copied %n service-wide id</numerusform>
            <numerusform>Copied %n service-wide ids</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::SummaryChip</name>
    <message numerus="yes">
        <source>%1: %n job(s)</source>
        <extracomment>Accessible name of a summary chip, e.g. &quot;Running: 2 jobs&quot;</extracomment>
        <translation>
            <numerusform>%1: %n job</numerusform>
            <numerusform>%1: %n jobs</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::ThroughputChart</name>
    <message numerus="yes">
        <source>Last %n minute(s): %1 completed, %2 failed; %3 received, %4 sent</source>
        <translation>
            <numerusform>Last minute: %1 completed, %2 failed; %3 received, %4 sent</numerusform>
            <numerusform>Last %n minutes: %1 completed, %2 failed; %3 received, %4 sent</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Mediaforge::Monitor::TrayController</name>
    <message numerus="yes">
        <source>%n running</source>
        <translation>
            <numerusform>%n running</numerusform>
            <numerusform>%n running</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n queued</source>
        <translation>
            <numerusform>%n queued</numerusform>
            <numerusform>%n queued</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n failed</source>
        <translation>
            <numerusform>%n failed</numerusform>
            <numerusform>%n failed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n service(s) connected</source>
        <translation>
            <numerusform>%1 of %n service connected</numerusform>
            <numerusform>%1 of %n services connected</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n jobs failed</source>
        <extracomment>Notification body when several jobs failed at once: their ids, then the service</extracomment>
        <translation>
            <numerusform>%n job failed</numerusform>
            <numerusform>%n jobs failed</numerusform>
        </translation>
    </message>
</context>
</TS>
