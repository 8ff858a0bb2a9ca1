using System.Diagnostics;
using OrleansRep.Storage.IO;
using OrleansRep.Storage.Stats;

namespace OrleansRep.Storage.Log;

/// <summary>
/// Appends records to the log and makes them written or durable, with group commit.
/// <para>
/// Appends copy a record into an in-memory pending buffer and return its LSN at once; they never do I/O. A caller
/// that needs its record on disk calls <see cref="WaitAsync"/>. The first waiter becomes the leader: it takes
/// everything pending, writes it, fsyncs if any waiter asked for durability, completes every waiter the flush
/// covered, and loops while more waiters queued up meanwhile. So N concurrent Sync committers share one fsync.
/// </para>
/// After a failed write or fsync the writer refuses everything with <see cref="WriteFailedException"/> (Berkeley
/// DB's WRITE_FAILED): the process must reopen the environment, which recovers from what is on disk.
/// </summary>
internal sealed class LogWriter : IDisposable
{
    private readonly IFileSystem _fs;
    private readonly string _dir;
    private readonly int _fileSize;
    private readonly int _bufferLimit;
    private readonly object _gate = new();
    private readonly Stack<byte[]> _spare = new();

    // Append position (guarded by _gate).
    private uint _fileNo;
    private uint _offset;
    private int _lastLength;
    private List<Segment> _pending = [];
    private long _pendingBytes;

    // Progress (guarded by _gate; read racily only for fast paths).
    private Lsn _written;
    private Lsn _durable;
    private bool _flushing;
    private readonly List<Waiter> _waiters = [];
    private WriteFailedException? _failure;

    // File being written (used only by the leader).
    private IStorageFile? _file;
    private uint _fileOpenNo;

    public LogWriter(IFileSystem fs, string dir, int fileSize, int bufferLimit, Lsn end, int lastLength)
    {
        _fs = fs;
        _dir = dir;
        _fileSize = fileSize;
        _bufferLimit = bufferLimit;
        _fileNo = end.IsZero ? 1 : end.File;
        _offset = end.IsZero ? LogFormat.FileHeaderSize : end.Offset;
        _lastLength = lastLength;
        _written = _durable = new Lsn(_fileNo, _offset);
        if (!end.IsZero && fs.Exists(PathOf(_fileNo)))
        {
            _file = fs.Open(PathOf(_fileNo), create: false);
            _fileOpenNo = _fileNo;

            // What recovery read from this file may be only in the page cache (the process that wrote it died before
            // its fsync), so none of it counts as durable before the first fsync - not even its header, nor the file
            // itself when the process died while creating it. Earlier files were fsynced before the next one was
            // created. Otherwise a checkpoint right after recovery could put its redo point past log records, or in a
            // log file, that a power loss then takes.
            _durable = new Lsn(_fileNo, 0);
        }
        else
        {
            _pending.Add(new Segment(_fileNo, _offset, Rent(0), newFile: true));
        }
    }

    public LatencyHistogram FsyncLatency { get; } = new();

    public long AppendedBytes { get; private set; }

    public long WriteCount { get; private set; }

    public long FsyncCount { get; private set; }

    /// <summary>Where the next record goes.</summary>
    public Lsn End
    {
        get
        {
            lock (_gate)
            {
                return new Lsn(_fileNo, _offset);
            }
        }
    }

    public Lsn Durable
    {
        get
        {
            lock (_gate)
            {
                return _durable;
            }
        }
    }

    public Lsn Written
    {
        get
        {
            lock (_gate)
            {
                return _written;
            }
        }
    }

    public long PendingBytes
    {
        get
        {
            lock (_gate)
            {
                return _pendingBytes;
            }
        }
    }

    public string PathOf(uint fileNo) => Path.Combine(_dir, LogFormat.FileName(fileNo));

    /// <summary>Frames a new record and queues it; returns its LSN.</summary>
    public Lsn Append(LogRecordType type, byte flags, ulong txnId, Lsn prevLsn, ReadOnlySpan<byte> payload)
    {
        var length = LogFormat.RecordHeaderSize + payload.Length;
        if (length > LogFormat.MaxRecordSize)
        {
            throw new LogPositionException($"log record of {length} bytes exceeds the {LogFormat.MaxRecordSize}-byte limit");
        }

        lock (_gate)
        {
            ThrowIfFailed();
            if (_offset + (long)length > _fileSize && _offset > LogFormat.FileHeaderSize)
            {
                StartNextFile();
            }

            var dest = Reserve(length);
            payload.CopyTo(dest[LogFormat.RecordHeaderSize..]);
            LogFormat.SealRecord(dest, _lastLength, type, flags, txnId, prevLsn);
            return Advance(length);
        }
    }

    /// <summary>
    /// Appends a record received from another site at the LSN it has there. <paramref name="at"/> must be the end of
    /// this log, or the start of the next file (the sender moved to a new file there).
    /// </summary>
    public void AppendFrame(Lsn at, ReadOnlySpan<byte> frame)
    {
        if (frame.Length < LogFormat.RecordHeaderSize || LogFormat.RecordLength(frame) != frame.Length || !LogFormat.RecordChecksumMatches(frame))
        {
            throw new CorruptionException("(replicated record)", at.Offset, "record frame has a bad length or checksum");
        }

        lock (_gate)
        {
            ThrowIfFailed();
            var nextFile = new Lsn(_fileNo + 1, LogFormat.FileHeaderSize);
            if (at == nextFile && _offset > LogFormat.FileHeaderSize)
            {
                StartNextFile();
            }
            else if (at != new Lsn(_fileNo, _offset))
            {
                throw new LogPositionException($"record at {at} does not follow the end of the log {new Lsn(_fileNo, _offset)}");
            }

            var dest = Reserve(frame.Length);
            frame.CopyTo(dest);
            if (LogFormat.PrevLength(dest) != _lastLength)
            {
                LogFormat.SetPrevLength(dest, _lastLength);
            }

            Advance(frame.Length);
        }
    }

    /// <summary>Waits until the log is written (or, with <paramref name="durable"/>, fsynced) up to <paramref name="end"/>.</summary>
    public ValueTask WaitAsync(Lsn end, bool durable)
    {
        Waiter? waiter = null;
        lock (_gate)
        {
            ThrowIfFailed();
            if ((durable ? _durable : _written) >= end)
            {
                return ValueTask.CompletedTask;
            }

            if (_flushing)
            {
                waiter = new Waiter(end, durable);
                _waiters.Add(waiter);
            }
            else
            {
                _flushing = true;
            }
        }

        if (waiter != null)
        {
            return new ValueTask(waiter.Completion.Task);
        }

        Lead(durable);
        return ValueTask.CompletedTask;
    }

    /// <summary>Blocking form of <see cref="WaitAsync"/>.</summary>
    public void Wait(Lsn end, bool durable)
    {
        var pending = WaitAsync(end, durable);
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Writes and fsyncs everything appended so far.</summary>
    public void FlushAll() => Wait(End, durable: true);

    /// <summary>
    /// Cuts the log back to <paramref name="to"/> (a record boundary): later files are deleted and the rest of the file
    /// is zeroed, durably. <paramref name="lastLength"/> is the length of the record that ends at <paramref name="to"/>.
    /// </summary>
    public void Truncate(Lsn to, int lastLength)
    {
        FlushAll();
        lock (_gate)
        {
            ThrowIfFailed();
            try
            {
                for (var f = _fileNo; f > to.File; f--)
                {
                    if (_fileOpenNo == f)
                    {
                        _file?.Dispose();
                        _file = null;
                        _fileOpenNo = 0;
                    }

                    if (_fs.Exists(PathOf(f)))
                    {
                        _fs.Delete(PathOf(f));
                    }
                }

                _fs.SyncDirectory(_dir);
                if (_fileOpenNo != to.File)
                {
                    _file?.Dispose();
                    _file = _fs.Open(PathOf(to.File), create: false);
                    _fileOpenNo = to.File;
                }

                var file = _file!;
                var zeros = new byte[1 << 20];
                for (long pos = to.Offset; pos < file.Length; pos += zeros.Length)
                {
                    file.Write(pos, zeros.AsSpan(0, (int)Math.Min(zeros.Length, file.Length - pos)));
                }

                file.Flush();
            }
            catch (IOException e)
            {
                throw Fail(e, "truncating the log");
            }

            _fileNo = to.File;
            _offset = to.Offset;
            _lastLength = lastLength;
            _written = _durable = to;
        }
    }

    private void Lead(bool ownDurable)
    {
        var needSync = ownDurable;
        while (true)
        {
            List<Segment> batch;
            Lsn end;
            lock (_gate)
            {
                batch = _pending;
                _pending = [];
                _pendingBytes = 0;
                end = new Lsn(_fileNo, _offset);
                foreach (var w in _waiters)
                {
                    needSync |= w.Durable;
                }
            }

            List<Waiter> done = [];
            WriteFailedException? failure = null;
            try
            {
                WriteOut(batch);
                if (needSync && _file != null)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    _file.Flush();
                    FsyncLatency.RecordTicks(Stopwatch.GetTimestamp() - t0);
                    FsyncCount++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or ObjectDisposedException)
            {
                // Whatever the cause, the leader must hand back: every waiter learns the failure, nobody hangs.
                failure = Fail(e as IOException ?? new IOException(e.Message, e), "writing the log");
            }

            bool finished;
            lock (_gate)
            {
                if (failure != null)
                {
                    done.AddRange(_waiters);
                    _waiters.Clear();
                    _flushing = false;
                    finished = true;
                }
                else
                {
                    _written = end;
                    if (needSync)
                    {
                        _durable = end;
                    }

                    for (var i = _waiters.Count - 1; i >= 0; i--)
                    {
                        var w = _waiters[i];
                        if ((w.Durable ? _durable : _written) >= w.End)
                        {
                            done.Add(w);
                            _waiters.RemoveAt(i);
                        }
                    }

                    finished = _waiters.Count == 0;
                    if (finished)
                    {
                        _flushing = false;
                    }
                }
            }

            foreach (var w in done)
            {
                if (failure != null)
                {
                    w.Completion.TrySetException(failure);
                }
                else
                {
                    w.Completion.TrySetResult();
                }
            }

            if (failure != null)
            {
                throw failure;
            }

            if (finished)
            {
                return;
            }

            needSync = false;
        }
    }

    private void WriteOut(List<Segment> batch)
    {
        foreach (var seg in batch)
        {
            if (seg.NewFile)
            {
                OpenNewFile(seg.FileNo);
            }

            if (seg.Length > 0)
            {
                _file!.Write(seg.Offset, seg.Buffer.AsSpan(0, seg.Length));
                WriteCount++;
            }

            Return(seg.Buffer);
        }
    }

    /// <summary>Fsyncs the finished file first: recovery relies on every file but the last being complete on disk.</summary>
    private void OpenNewFile(uint fileNo)
    {
        if (_file != null)
        {
            _file.Flush();
            FsyncCount++;
            _file.Dispose();
            _file = null;
        }

        var file = _fs.Open(PathOf(fileNo), create: true, preallocate: _fileSize);
        Span<byte> header = stackalloc byte[LogFormat.FileHeaderSize];
        LogFormat.WriteFileHeader(header, fileNo, _fileSize);
        file.Write(0, header);
        file.Flush();
        _fs.SyncDirectory(_dir);
        _file = file;
        _fileOpenNo = fileNo;
    }

    private void StartNextFile()
    {
        _fileNo++;
        _offset = LogFormat.FileHeaderSize;
        _lastLength = 0;
        _pending.Add(new Segment(_fileNo, _offset, Rent(0), newFile: true));
    }

    private Span<byte> Reserve(int length)
    {
        var seg = _pending.Count > 0 ? _pending[^1] : null;
        if (seg == null || seg.FileNo != _fileNo || seg.Buffer.Length - seg.Length < length)
        {
            seg = new Segment(_fileNo, _offset, Rent(length), newFile: false);
            _pending.Add(seg);
        }

        var dest = seg.Buffer.AsSpan(seg.Length, length);
        seg.Length += length;
        return dest;
    }

    private Lsn Advance(int length)
    {
        var lsn = new Lsn(_fileNo, _offset);
        _offset += (uint)length;
        _lastLength = length;
        _pendingBytes += length;
        AppendedBytes += length;
        return lsn;
    }

    public bool OverBufferLimit
    {
        get
        {
            lock (_gate)
            {
                return _pendingBytes >= _bufferLimit;
            }
        }
    }

    private byte[] Rent(int atLeast)
    {
        if (atLeast <= _bufferLimit)
        {
            lock (_spare)
            {
                if (_spare.Count > 0)
                {
                    return _spare.Pop();
                }
            }

            return new byte[_bufferLimit];
        }

        return new byte[atLeast];
    }

    private void Return(byte[] buffer)
    {
        if (buffer.Length != _bufferLimit)
        {
            return;
        }

        lock (_spare)
        {
            if (_spare.Count < 4)
            {
                _spare.Push(buffer);
            }
        }
    }

    /// <summary>Puts the writer in the failed state after an I/O error elsewhere (a checkpoint's data-file write).</summary>
    public void MarkFailed(IOException e, string what) => Fail(e, what);

    private WriteFailedException Fail(IOException e, string what)
    {
        var failure = new WriteFailedException($"log write failed while {what} ({e.Message}); the environment refuses writes until it is reopened", e);
        lock (_gate)
        {
            _failure ??= failure;
        }

        return failure;
    }

    private void ThrowIfFailed()
    {
        if (_failure != null)
        {
            throw new WriteFailedException(_failure.Message, _failure);
        }
    }

    public bool Failed
    {
        get
        {
            lock (_gate)
            {
                return _failure != null;
            }
        }
    }

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
    }

    private sealed class Segment(uint fileNo, uint offset, byte[] buffer, bool newFile)
    {
        public uint FileNo { get; } = fileNo;
        public uint Offset { get; } = offset;
        public byte[] Buffer { get; } = buffer;
        public bool NewFile { get; } = newFile;
        public int Length { get; set; }
    }

    private sealed class Waiter(Lsn end, bool durable)
    {
        public Lsn End { get; } = end;
        public bool Durable { get; } = durable;
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
