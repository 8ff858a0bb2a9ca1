namespace OrleansRep.Storage.IO;

/// <summary>
/// One in-memory file (an inode: it outlives its name while handles are open). It keeps the content reads see now,
/// the content that survived the last flush, and the changes in between, so a simulated crash can choose what the
/// disk ended up with. Not thread-safe; <see cref="MemoryFileSystem"/> locks.
/// </summary>
internal sealed class MemoryFile(string fullPath)
{
    private readonly List<UnsyncedChange> unsynced = [];
    private GrowableBuffer current = new();
    private GrowableBuffer durable = new();

    /// <summary>The file's current name (a rename moves it).</summary>
    public string FullPath { get; set; } = fullPath;

    /// <summary>Open handles: each holds a shared lock, as .NET takes flock(LOCK_SH) for a shared open on Unix.</summary>
    public int SharedHolders { get; set; }

    /// <summary>The holder of the exclusive lock taken by <see cref="IFileSystem.Lock"/> (flock(LOCK_EX)), if any.</summary>
    public object? ExclusiveHolder { get; set; }

    public long Length => current.Length;

    public int Read(long offset, Span<byte> buffer) => current.Read(offset, buffer);

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (data.IsEmpty)
        {
            // Like the real one: an empty write does not extend the file.
            return;
        }

        var change = UnsyncedChange.Write(offset, data, current.Length);
        current.Write(offset, data);
        unsynced.Add(change);
    }

    public void SetLength(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var change = UnsyncedChange.Resize(length, current.Length);
        current.SetLength(length);
        unsynced.Add(change);
    }

    /// <summary>fsync: the current content becomes durable. Copies only what changed, so frequent flushes of a large
    /// file stay cheap.</summary>
    public void Flush()
    {
        durable.SetLength(current.Length);
        foreach (var change in unsynced)
        {
            durable.CopyRange(current, change.DirtyStart, change.DirtyEnd);
        }

        unsynced.Clear();
    }

    public byte[] ToArray() => current.ToArray();

    /// <summary>A bad disk: the bit is wrong in whatever version of the byte a crash could produce.</summary>
    public void FlipBit(long offset, int bit)
    {
        if (!current.FlipBit(offset, bit))
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"past the end of {FullPath} ({current.Length} bytes)");
        }

        durable.FlipBit(offset, bit);
        foreach (var change in unsynced)
        {
            if (change.IsWrite && offset >= change.Offset && offset < change.Offset + change.Data.Length)
            {
                change.Data[offset - change.Offset] ^= (byte)(1 << bit);
            }
        }
    }

    public void ReleaseLocks()
    {
        SharedHolders = 0;
        ExclusiveHolder = null;
    }

    /// <summary>Power loss: the file becomes what the disk holds under <paramref name="mode"/>, all of it durable.</summary>
    public void Crash(CrashMode mode, Random random)
    {
        current = mode switch
        {
            CrashMode.LoseUnsynced => durable.Clone(),
            CrashMode.KeepUnsynced => current.Clone(),
            CrashMode.RandomSectors => RandomSectorsImage(random),
            CrashMode.TornLastWrite => TornLastWriteImage(random),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
        };
        durable = current.Clone();
        unsynced.Clear();
        ReleaseLocks();
    }

    private GrowableBuffer RandomSectorsImage(Random random)
    {
        // The size lives in the inode, written back independently of the data.
        var image = durable.Clone();
        image.SetLength(random.Next(2) == 0 ? durable.Length : current.Length);

        var dirtySectors = new SortedSet<long>();
        foreach (var change in unsynced)
        {
            for (var sector = change.DirtyStart / MemoryFileSystem.SectorSize;
                 sector * MemoryFileSystem.SectorSize < Math.Min(change.DirtyEnd, image.Length);
                 sector++)
            {
                dirtySectors.Add(sector);
            }
        }

        foreach (var sector in dirtySectors)
        {
            if (random.Next(2) == 0)
            {
                var start = sector * MemoryFileSystem.SectorSize;
                image.CopyRange(current, start, start + MemoryFileSystem.SectorSize);
            }
        }

        return image;
    }

    private GrowableBuffer TornLastWriteImage(Random random)
    {
        var last = unsynced.FindLastIndex(c => c.IsWrite);
        if (last < 0)
        {
            // Only resizes: no write was in flight to tear.
            return current.Clone();
        }

        var image = durable.Clone();
        for (var i = 0; i < last; i++)
        {
            unsynced[i].ApplyTo(image);
        }

        // Cut points: the write's start, and every sector boundary strictly inside it (sector writes are atomic).
        var write = unsynced[last];
        var end = write.Offset + write.Data.Length;
        var firstBoundary = ((write.Offset / MemoryFileSystem.SectorSize) + 1) * MemoryFileSystem.SectorSize;
        var boundaries = firstBoundary < end ? ((end - 1 - firstBoundary) / MemoryFileSystem.SectorSize) + 1 : 0;
        var choice = random.NextInt64(boundaries + 1);
        var cut = choice == 0 ? write.Offset : firstBoundary + ((choice - 1) * MemoryFileSystem.SectorSize);
        if (cut > write.Offset)
        {
            image.Write(write.Offset, write.Data.AsSpan(0, (int)(cut - write.Offset)));
        }

        return image;
    }
}
