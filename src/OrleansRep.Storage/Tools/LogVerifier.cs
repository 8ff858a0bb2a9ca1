using System.Buffers.Binary;
using OrleansRep.Storage.IO;
using OrleansRep.Storage.Log;

namespace OrleansRep.Storage.Tools;

/// <summary>
/// Checks the log for <see cref="Verifier"/>: every segment file's header, that no file is missing between the
/// oldest and the newest, and every record of every file from its first record to the end of the written part,
/// classified the way recovery does (<see cref="LogReader.TryRead"/>). Recovery itself reads only from the redo LSN
/// on; verify reads everything, because replication and <c>printlog</c> read the older records too.
/// </summary>
internal sealed class LogVerifier(IFileSystem fs, string home, VerifyFindings findings)
{
    // Recovery treats a last file whose first 64 KiB are zeros as never written (a crash while creating it).
    private const int EmptyFileProbe = 1 << 16;

    private Lsn? _start;
    private bool _startReached;
    private PendingOps? _pending;

    // Whether the records read so far show where the current transaction began. Not at the oldest record (the
    // transaction may have begun in an archived file) nor after damage or a missing file; a commit settles it.
    private bool _chainKnown;

    /// <summary>Sequence, LSN and redo LSN of the newest checkpoint record in the log, if any.</summary>
    public (ulong Sequence, Lsn At, Lsn Redo)? NewestCheckpoint { get; private set; }

    /// <summary>Checks the log; <paramref name="redo"/> is where recovery would start (null when no meta is usable).</summary>
    public void Run(Lsn? redo)
    {
        var files = LogReader.ListFiles(fs, home).ToList();
        DropEmptyLastFile(files);
        findings.LogFiles = files.Count;
        if (files.Count == 0)
        {
            if (redo is { IsZero: false } r && r.Offset > LogFormat.FileHeaderSize)
            {
                findings.Problem($"{PathOf(r.File)}: log files are missing; recovery needs the log from {r}");
            }

            return;
        }

        using var reader = new LogReader(fs, home);
        findings.LogStart = new Lsn(files[0], StartOf(reader, files[0]));
        findings.LogEnd = findings.LogStart;

        // With no checkpoint yet (redo LSN zero) recovery replays from the very first record, which is in log file 1.
        _start = redo is { } known ? (known.IsZero ? new Lsn(1, LogFormat.FileHeaderSize) : known) : null;
        CheckFilesPresent(files);
        for (var i = 0; i < files.Count; i++)
        {
            if (i > 0 && files[i] != files[i - 1] + 1)
            {
                LoseChain();
            }

            ScanFile(reader, files[i], last: i == files.Count - 1);
        }

        if (_pending is { } orphan)
        {
            findings.Note(
                $"{VerifyFindings.At(PathOf(orphan.First.File), orphan.First.Offset, $"LSN {orphan.First}")}: {orphan.Records} Ops record(s) of transaction {orphan.TxnId} " +
                "at the end of the log have no Commit (a crash during a large commit); recovery cuts them");
        }
    }

    private void CheckFilesPresent(List<uint> files)
    {
        for (var i = 1; i < files.Count; i++)
        {
            if (files[i] == files[i - 1] + 1)
            {
                continue;
            }

            var first = files[i - 1] + 1;
            var last = files[i] - 1;
            var which = first == last ? LogFormat.FileName(first) : $"{LogFormat.FileName(first)} to {LogFormat.FileName(last)}";
            var needed = _start is { } s && last >= s.File ? "; recovery needs it" : "; recovery does not need it, but the log is broken for replication and printlog";
            findings.Problem($"{PathOf(first)}: missing: {which} between {LogFormat.FileName(files[i - 1])} and {LogFormat.FileName(files[i])}{needed}");
        }

        if (_start is not { } start)
        {
            return;
        }

        if (start.File < files[0] || !files.Contains(start.File))
        {
            findings.Problem(
                $"{VerifyFindings.At(PathOf(start.File), start.Offset, $"LSN {start}")}: log needed for recovery from {start} is missing (the log has {LogFormat.FileName(files[0])} to {LogFormat.FileName(files[^1])})");
            _start = null;
        }
    }

    /// <summary>Where the first record of <paramref name="fileNo"/> is; a damaged header is reported by the scan.</summary>
    private static uint StartOf(LogReader reader, uint fileNo)
    {
        try
        {
            return reader.StartOf(fileNo);
        }
        catch (CorruptionException)
        {
            return LogFormat.FileHeaderSize;
        }
    }

    private void ScanFile(LogReader reader, uint fileNo, bool last)
    {
        var path = PathOf(fileNo);
        var header = new byte[LogFormat.FileHeaderSize];
        int n;
        using (var file = fs.Open(path, create: false))
        {
            n = file.Read(0, header);
        }

        var problem = LogFormat.CheckFileHeader(header.AsSpan(0, n), fileNo);
        if (problem != null)
        {
            findings.Problem($"{VerifyFindings.At(path, 0, $"header of log file {fileNo}")}: {problem}");
            LoseChain();
            if (_start is { } s && s.File == fileNo)
            {
                _start = null;
            }

            return;
        }

        // A log that internal init restarted begins inside its first file (the header says where).
        // Its first record keeps the prev-length it has on the master, which nothing here can check (-1).
        var first = LogFormat.FirstRecordOffset(header);
        var (stoppedAt, status) = ScanFrom(reader, new Lsn(fileNo, first), first > LogFormat.FileHeaderSize ? -1 : 0, last);
        if (_start is { } start && start.File == fileNo && !_startReached)
        {
            if (status != LogReadStatus.End && start > stoppedAt)
            {
                // Recovery jumps straight to the redo LSN and never reads the damage before it: check what it reads.
                LoseChain();
                ScanFrom(reader, start, -1, last);
            }
            else if (start > stoppedAt)
            {
                findings.Problem(
                    $"{VerifyFindings.At(path, start.Offset, $"LSN {start}")}: the redo LSN of the checkpoint is past the end of the log at {stoppedAt}; records the checkpoint covers are missing");
            }
            else
            {
                findings.Problem($"{VerifyFindings.At(path, start.Offset, $"LSN {start}")}: the redo LSN of the checkpoint is not at a record boundary");
            }
        }
    }

    /// <summary>Reads records from <paramref name="pos"/> to the end of the file; returns where it stopped and why.</summary>
    private (Lsn At, LogReadStatus Status) ScanFrom(LogReader reader, Lsn pos, int prevLength, bool last)
    {
        var path = PathOf(pos.File);
        while (true)
        {
            if (_start == pos)
            {
                ReachStart(pos);
            }

            LogReadStatus status;
            LogRecord? record;
            string? detail;
            try
            {
                (status, record, detail) = reader.TryRead(pos);
            }
            catch (CorruptionException e)
            {
                (status, record, detail) = (LogReadStatus.Corrupt, null, e.Detail);
            }

            var where = VerifyFindings.At(path, pos.Offset, $"LSN {pos}");
            switch (status)
            {
                case LogReadStatus.Record:
                    CheckRecord(record!, prevLength, where);
                    prevLength = record!.Length;
                    pos = record.End;
                    continue;
                case LogReadStatus.End:
                    CheckAfterEnd(pos, last);
                    break;
                case LogReadStatus.Torn when last:
                    findings.Note($"{where}: torn tail at {pos}, {TailBytes(pos)} bytes ({detail}); recovery will cut it");
                    break;
                case LogReadStatus.Torn:
                    findings.Problem($"{where}: {detail}: a torn record in a log file that is not the last; recovery cannot cut it");
                    LoseChain();
                    break;
                default:
                    findings.Problem($"{where}: {detail ?? "damaged record"}");
                    LoseChain();
                    break;
            }

            if (last)
            {
                findings.LogEnd = pos;
            }

            return (pos, status);
        }
    }

    private void ReachStart(Lsn pos)
    {
        _startReached = true;
        if (_pending is { } inside)
        {
            findings.Problem(
                $"{VerifyFindings.At(PathOf(pos.File), pos.Offset, $"LSN {pos}")}: the redo LSN falls inside transaction {inside.TxnId}, whose Ops records start at {inside.First}; recovery would replay only part of it");
        }
    }

    private void CheckRecord(LogRecord record, int prevLength, string where)
    {
        findings.LogRecords++;
        var afterRedo = _start is { } s && record.Lsn >= s;
        if (afterRedo)
        {
            findings.RecordsAfterRedo++;
        }

        if (prevLength >= 0 && LogFormat.PrevLength(record.Frame) != prevLength)
        {
            findings.Problem($"{where}: the previous-length field says {LogFormat.PrevLength(record.Frame)} but the record before is {prevLength} bytes; reading the log backwards breaks here");
        }

        switch (record.Type)
        {
            case LogRecordType.Ops:
                Decode(record, where);
                CheckOps(record, where);
                break;
            case LogRecordType.Commit:
                Decode(record, where);
                findings.LogCommits++;
                if (afterRedo)
                {
                    findings.CommitsAfterRedo++;
                }

                CheckCommit(record, where);
                break;
            case LogRecordType.Checkpoint:
                if (record.Payload.Length != 24)
                {
                    findings.Problem($"{where}: checkpoint record of {record.Payload.Length} payload bytes, expected 24");
                    break;
                }

                var payload = record.Payload.Span;
                var sequence = BinaryPrimitives.ReadUInt64LittleEndian(payload[16..]);
                if (NewestCheckpoint is not { } newest || sequence >= newest.Sequence)
                {
                    NewestCheckpoint = (sequence, record.Lsn, Lsn.ReadFrom(payload));
                }

                break;
        }
    }

    /// <summary>
    /// A transaction too large for one record is Ops records chained by their previous-LSN fields and then its Commit.
    /// Recovery gathers every Ops record it meets and applies them with the next Commit, so Ops records that a crash
    /// left without their Commit must never be followed by another transaction's records. The chain is followed by
    /// LSN, not by transaction id: a transaction that never committed leaves its id to the next one.
    /// </summary>
    private void CheckOps(LogRecord record, string where)
    {
        if (record.PrevLsn.IsZero)
        {
            if (_pending is { } orphan)
            {
                findings.Problem(
                    $"{where}: transaction {record.TxnId} begins after {orphan.Records} Ops record(s) from {orphan.First} that have no Commit; " +
                    "recovery would apply those with this transaction's commit");
            }

            _pending = new PendingOps(record.TxnId, record.Lsn, record.Lsn, 1);
        }
        else if (_pending is { } open && open.Last == record.PrevLsn)
        {
            _pending = open with { Last = record.Lsn, Records = open.Records + 1 };
        }
        else
        {
            if (_chainKnown)
            {
                findings.Problem($"{where}: Ops record of transaction {record.TxnId} continues {record.PrevLsn}, which is not the last record of the transaction in progress");
            }

            _pending = new PendingOps(record.TxnId, record.Lsn, record.Lsn, 1);
        }

        _chainKnown = true;
    }

    private void CheckCommit(LogRecord record, string where)
    {
        if (record.PrevLsn.IsZero)
        {
            if (_pending is { } orphan)
            {
                findings.Problem(
                    $"{where}: Commit of transaction {record.TxnId} follows {orphan.Records} Ops record(s) from {orphan.First} that are not part of it " +
                    "(left by a large commit that crashed or failed); recovery would apply them as part of this commit");
            }
        }
        else if (_chainKnown && (_pending is not { } open || open.Last != record.PrevLsn))
        {
            findings.Problem($"{where}: Commit of transaction {record.TxnId} continues {record.PrevLsn}, which is not the last Ops record before it; part of the transaction is missing");
        }

        _pending = null;
        _chainKnown = true;
    }

    /// <summary>After damage or a gap nothing is known about the transaction in progress.</summary>
    private void LoseChain()
    {
        _pending = null;
        _chainKnown = false;
    }

    private void Decode(LogRecord record, string where)
    {
        try
        {
            TxnOp.DecodeAll(record.Payload);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            findings.Problem($"{where}: {record.Type} record of transaction {record.TxnId} does not decode: {e.Message}");
        }
    }

    /// <summary>Past the end of the records a file holds only zeros: a sealed file was fsynced whole before the
    /// next one began, and truncation zeroes the rest of the last one. Bytes there are records nobody reads.</summary>
    private void CheckAfterEnd(Lsn end, bool last)
    {
        var path = PathOf(end.File);
        using var file = fs.Open(path, create: false);
        var buffer = new byte[1 << 16];
        for (long pos = end.Offset; pos < file.Length; pos += buffer.Length)
        {
            var n = file.Read(pos, buffer);
            var at = buffer.AsSpan(0, n).IndexOfAnyExcept((byte)0);
            if (at < 0)
            {
                continue;
            }

            var where = VerifyFindings.At(path, pos + at, $"after the end of the records at {end}");
            if (last)
            {
                findings.Note($"{where}: non-zero bytes past the end of the log (the rest of an unfinished write); recovery ignores them");
            }
            else
            {
                findings.Problem($"{where}: non-zero bytes past the end of the records of a sealed log file; any records there are unreachable");
            }

            return;
        }
    }

    private long TailBytes(Lsn at)
    {
        using var file = fs.Open(PathOf(at.File), create: false);
        return file.Length - at.Offset;
    }

    /// <summary>As recovery does: a last file that is all zeros was never written, and opening deletes it.</summary>
    private void DropEmptyLastFile(List<uint> files)
    {
        if (files.Count == 0)
        {
            return;
        }

        var path = PathOf(files[^1]);
        using (var file = fs.Open(path, create: false))
        {
            var head = new byte[Math.Min(file.Length, EmptyFileProbe)];
            var n = file.Read(0, head);
            if (head.AsSpan(0, n).ContainsAnyExcept((byte)0))
            {
                return;
            }
        }

        findings.Note($"{VerifyFindings.At(path, 0, $"log file {files[^1]}")}: never written (no header, all zeros: a crash while creating it); opening deletes it");
        files.RemoveAt(files.Count - 1);
    }

    private string PathOf(uint fileNo) => Path.Combine(home, LogFormat.FileName(fileNo));

    /// <summary>Ops records of a transaction whose Commit has not been seen yet.</summary>
    private readonly record struct PendingOps(ulong TxnId, Lsn First, Lsn Last, int Records);
}
