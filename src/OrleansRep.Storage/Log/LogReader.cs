using OrleansRep.Storage.IO;

namespace OrleansRep.Storage.Log;

/// <summary>
/// Reads log records forward and backward across segment files. Used by recovery, by replication (records to ship,
/// gap requests) and by <c>orep db printlog</c>. Not thread-safe: one reader per user.
/// </summary>
public sealed class LogReader : IDisposable
{
    private readonly IFileSystem _fs;
    private readonly string _dir;
    private IStorageFile? _file;
    private uint _fileNo;

    // Where the open file's first record is: after its header, or later in the first file of a log that internal
    // init restarted at an LSN inside it (nothing of the log lies before that).
    private uint _fileStart;

    public LogReader(IFileSystem fs, string dir)
    {
        _fs = fs;
        _dir = dir;
    }

    /// <summary>Numbers of the log files present, ascending.</summary>
    public IReadOnlyList<uint> Files() => ListFiles(_fs, _dir);

    internal static IReadOnlyList<uint> ListFiles(IFileSystem fs, string dir) =>
        fs.List(dir, "log.*")
            .Select(n => LogFormat.TryParseFileName(n, out var f) ? f : 0u)
            .Where(f => f > 0)
            .Order()
            .ToList();

    /// <summary>The record at <paramref name="lsn"/>; null at the end of the log. Damage throws <see cref="CorruptionException"/>.</summary>
    public LogRecord? ReadAt(Lsn lsn)
    {
        var (status, record, detail) = TryRead(lsn);
        return status switch
        {
            LogReadStatus.Record => record,
            LogReadStatus.End => null,
            _ => throw new CorruptionException(PathOf(lsn.File), lsn.Offset, detail ?? status.ToString()),
        };
    }

    /// <summary>The first record at or after <paramref name="lsn"/>, following on into later files; null at the end.</summary>
    public LogRecord? ReadFrom(Lsn lsn)
    {
        if (lsn.IsZero)
        {
            var files = Files();
            if (files.Count == 0)
            {
                return null;
            }

            lsn = new Lsn(files[0], StartOf(files[0]));
        }
        else if (OpenFile(lsn.File) && lsn.Offset < _fileStart)
        {
            lsn = new Lsn(lsn.File, _fileStart);
        }

        var record = ReadAt(lsn);
        if (record != null)
        {
            return record;
        }

        // End of this file: continue with the next one if it exists.
        return OpenFile(lsn.File + 1) ? ReadAt(new Lsn(lsn.File + 1, _fileStart)) : null;
    }

    /// <summary>Where the first record of log file <paramref name="fileNo"/> is (after its header, unless internal init
    /// restarted the log inside that file); the header size if the file does not exist.</summary>
    public uint StartOf(uint fileNo) => OpenFile(fileNo) ? _fileStart : LogFormat.FileHeaderSize;

    /// <summary>The record after <paramref name="record"/>, or null at the end of the log.</summary>
    public LogRecord? Next(LogRecord record) => ReadFrom(record.End);

    /// <summary>The record just before <paramref name="lsn"/> (walking back into earlier files); null at the start.</summary>
    public LogRecord? Prev(Lsn lsn)
    {
        var start = StartOf(lsn.File);
        if (lsn.Offset > start)
        {
            // lsn is a record start or an end position: find the record ending there. A sound record at lsn says how
            // long its predecessor is; anything else there (the end of the written part, or a torn tail that recovery
            // is about to cut) says nothing about the records before it, so scan for the last one.
            var (status, at, _) = TryRead(lsn);
            if (status != LogReadStatus.Record)
            {
                return LastRecordOf(lsn.File, limit: lsn.Offset);
            }

            var prevLength = LogFormat.PrevLength(at!.Frame);
            // A record shipped from a master keeps the master's prev-length; before the start of a restarted log there
            // is nothing of ours.
            return prevLength == 0 || lsn.Offset - (uint)prevLength < start ? null : ReadAt(new Lsn(lsn.File, lsn.Offset - (uint)prevLength));
        }

        for (var f = lsn.File - 1; f >= 1; f--)
        {
            if (!OpenFile(f))
            {
                return null;
            }

            var last = LastRecordOf(f, uint.MaxValue);
            if (last != null)
            {
                return last;
            }
        }

        return null;
    }

    /// <summary>Records from <paramref name="from"/> to the end of the log.</summary>
    public IEnumerable<LogRecord> Forward(Lsn from)
    {
        for (var r = ReadFrom(from); r != null; r = Next(r))
        {
            yield return r;
        }
    }

    /// <summary>Records before <paramref name="before"/>, newest first.</summary>
    public IEnumerable<LogRecord> Backward(Lsn before)
    {
        for (var r = Prev(before); r != null; r = Prev(r.Lsn))
        {
            yield return r;
        }
    }

    /// <summary>The last record starting before <paramref name="limit"/>; nothing at or past the limit is read.</summary>
    private LogRecord? LastRecordOf(uint fileNo, uint limit)
    {
        LogRecord? last = null;
        for (var pos = new Lsn(fileNo, StartOf(fileNo)); pos.Offset < limit;)
        {
            var r = ReadAt(pos);
            if (r == null)
            {
                break;
            }

            last = r;
            pos = r.End;
        }

        return last;
    }

    /// <summary>Classifies what is at <paramref name="lsn"/> without throwing.</summary>
    internal (LogReadStatus Status, LogRecord? Record, string? Detail) TryRead(Lsn lsn)
    {
        if (!OpenFile(lsn.File))
        {
            return (LogReadStatus.End, null, null);
        }

        var file = _file!;
        var fileLength = file.Length;
        if (lsn.Offset < LogFormat.FileHeaderSize)
        {
            return (LogReadStatus.Corrupt, null, "offset inside the file header");
        }

        if (lsn.Offset < _fileStart)
        {
            return (LogReadStatus.Corrupt, null, $"offset before the file's first record at {_fileStart} (the log was restarted there)");
        }

        if (lsn.Offset + (long)LogFormat.RecordHeaderSize > fileLength)
        {
            return lsn.Offset >= fileLength || AllZero(file, lsn.Offset, fileLength - lsn.Offset)
                ? (LogReadStatus.End, null, null)
                : (LogReadStatus.Torn, null, "partial record header at end of file");
        }

        Span<byte> header = stackalloc byte[LogFormat.RecordHeaderSize];
        file.Read(lsn.Offset, header);
        var length = LogFormat.RecordLength(header);
        if (length == 0)
        {
            return AllZero(header) && AllZero(file, lsn.Offset, Math.Min(fileLength - lsn.Offset, 1 << 16))
                ? (LogReadStatus.End, null, null)
                : (LogReadStatus.Torn, null, "zero length field with data after it");
        }

        if (length < LogFormat.RecordHeaderSize || length > LogFormat.MaxRecordSize)
        {
            return (LogReadStatus.Corrupt, null, $"impossible record length {length}");
        }

        if (lsn.Offset + (long)length > fileLength)
        {
            return (LogReadStatus.Torn, null, "record runs past the end of the file");
        }

        var frame = new byte[length];
        file.Read(lsn.Offset, frame);
        if (!LogFormat.RecordChecksumMatches(frame))
        {
            return HasZeroSector(frame, lsn.Offset) || EndsInZeroSector(file, lsn.Offset + length, lsn.Offset, fileLength)
                ? (LogReadStatus.Torn, null, "record checksum mismatch with an unwritten sector inside")
                : (LogReadStatus.Corrupt, null, "record checksum mismatch");
        }

        var type = (LogRecordType)frame[12];
        return type.IsKnown()
            ? (LogReadStatus.Record, new LogRecord(lsn, frame), null)
            : (LogReadStatus.Corrupt, null, $"unknown record type {frame[12]}");
    }

    /// <summary>A torn write leaves whole sectors unwritten (zeros in a zero-filled file); a bit flip does not.</summary>
    private static bool HasZeroSector(ReadOnlySpan<byte> frame, long fileOffset)
    {
        var first = (int)((LogFormat.SectorSize - (fileOffset % LogFormat.SectorSize)) % LogFormat.SectorSize);
        for (var i = first; i + LogFormat.SectorSize <= frame.Length; i += LogFormat.SectorSize)
        {
            if (AllZero(frame.Slice(i, LogFormat.SectorSize)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The sector holding the last bytes of a frame that started in an earlier sector was not written: it reads as
    /// zeros as a whole (not only the frame's part of it, whose last bytes may be zero in a sound record; whatever
    /// follows the frame in that sector is not). A record shorter than a sector that crosses a sector boundary has no
    /// whole sector inside, so <see cref="HasZeroSector"/> alone cannot see its lost second half.
    /// </summary>
    private static bool EndsInZeroSector(IStorageFile file, long frameEnd, long frameStart, long fileLength)
    {
        var sectorStart = (frameEnd - 1) / LogFormat.SectorSize * LogFormat.SectorSize;
        return sectorStart > frameStart && AllZero(file, sectorStart, Math.Min(LogFormat.SectorSize, fileLength - sectorStart));
    }

    internal static bool AllZero(ReadOnlySpan<byte> span) => !span.ContainsAnyExcept((byte)0);

    private static bool AllZero(IStorageFile file, long offset, long count)
    {
        var buffer = new byte[64 << 10];
        for (long pos = offset; pos < offset + count; pos += buffer.Length)
        {
            var n = (int)Math.Min(buffer.Length, offset + count - pos);
            var read = file.Read(pos, buffer.AsSpan(0, n));
            if (!AllZero(buffer.AsSpan(0, read)))
            {
                return false;
            }
        }

        return true;
    }

    private bool OpenFile(uint fileNo)
    {
        if (_file != null && _fileNo == fileNo)
        {
            return true;
        }

        _file?.Dispose();
        _file = null;
        var path = PathOf(fileNo);
        if (!_fs.Exists(path))
        {
            return false;
        }

        _file = _fs.Open(path, create: false);
        _fileNo = fileNo;
        Span<byte> header = stackalloc byte[LogFormat.FileHeaderSize];
        var n = _file.Read(0, header);
        var problem = LogFormat.CheckFileHeader(header[..n], fileNo);
        if (problem != null)
        {
            _file.Dispose();
            _file = null;
            throw new CorruptionException(path, 0, problem);
        }

        _fileStart = LogFormat.FirstRecordOffset(header);

        return true;
    }

    private string PathOf(uint fileNo) => Path.Combine(_dir, LogFormat.FileName(fileNo));

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
    }
}
