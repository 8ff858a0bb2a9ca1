namespace OrleansRep.Storage.Log;

/// <summary>What one flush round takes from the <see cref="LogWriter"/> under its lock: the full segments, the active
/// one up to <paramref name="ActiveLength"/> (appenders keep filling it beyond), and the log end that writing them
/// reaches.</summary>
internal readonly record struct LogBatch(List<LogSegment> Sealed, LogSegment Active, int ActiveLength, Lsn End);
