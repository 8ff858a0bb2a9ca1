namespace OrleansRep.Grains.Interfaces;

/// <summary>
/// What one replica has done since its activation (counters restart with it, as Prometheus counters may): writes it
/// committed as master and how many missed their ack policy (PERM_FAILED), acknowledgements it received as master,
/// records it applied as client and those it received again, requests for log it served, messages its links to peers
/// dropped (queue full), and its log's writes and fsyncs with their latency.
/// </summary>
public sealed record ReplicaCounters(
    long Commits,
    long PermFailed,
    long AcksReceived,
    long RecordsApplied,
    long DuplicateRecords,
    long RequestsServed,
    long MessagesDropped,
    long LogBytesWritten,
    long Fsyncs,
    double FsyncP50Us,
    double FsyncP99Us,
    double FsyncMaxUs);
