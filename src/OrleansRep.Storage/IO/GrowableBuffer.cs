namespace OrleansRep.Storage.IO;

/// <summary>
/// The bytes of one in-memory file: a logical length over fixed-size chunks that behaves like a file (writes past the
/// end extend it with zeros, reads past the end return nothing). A chunk nobody wrote non-zero bytes to is not
/// allocated, like a hole in a sparse file, so a full-size zero-filled log segment costs nothing until it is written
/// and crash images clone only what holds data. Not thread-safe; <see cref="MemoryFileSystem"/> locks.
/// </summary>
internal sealed class GrowableBuffer
{
    private const int ChunkShift = 16;
    private const int ChunkSize = 1 << ChunkShift;

    /// <summary>The largest file: more would be EFBIG on a real file system too (ext4 stops at 16 TiB).</summary>
    private const long MaxLength = 1L << 40;

    private byte[]?[] chunks = [];

    public long Length { get; private set; }

    public int Read(long offset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= Length)
        {
            return 0;
        }

        var n = (int)Math.Min(buffer.Length, Length - offset);
        for (var done = 0; done < n;)
        {
            var (chunk, at, count) = Locate(offset + done, n - done);
            var dest = buffer.Slice(done, count);
            if (chunks[chunk] is { } bytes)
            {
                bytes.AsSpan(at, count).CopyTo(dest);
            }
            else
            {
                dest.Clear();
            }

            done += count;
        }

        return n;
    }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var end = offset + data.Length;
        if (end > Length)
        {
            SetLength(end);
        }

        for (var done = 0; done < data.Length;)
        {
            var (chunk, at, count) = Locate(offset + done, data.Length - done);
            var part = data.Slice(done, count);
            if (chunks[chunk] is { } bytes)
            {
                part.CopyTo(bytes.AsSpan(at));
            }
            else if (part.ContainsAnyExcept((byte)0))
            {
                bytes = chunks[chunk] = new byte[ChunkSize];
                part.CopyTo(bytes.AsSpan(at));
            }

            done += count;
        }
    }

    public void SetLength(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > MaxLength)
        {
            throw new IOException($"File too large for the in-memory file system ({length} bytes)", 27 /* EFBIG */);
        }

        if (length < Length)
        {
            // Zero what is cut off now, so that growing the file again reads zeros there, as on a disk.
            var lastChunk = (int)((length + ChunkSize - 1) >> ChunkShift);
            for (var c = lastChunk; c < chunks.Length; c++)
            {
                chunks[c] = null;
            }

            if ((length & (ChunkSize - 1)) != 0 && chunks[length >> ChunkShift] is { } partial)
            {
                partial.AsSpan((int)(length & (ChunkSize - 1))).Clear();
            }
        }

        var needed = (int)((length + ChunkSize - 1) >> ChunkShift);
        if (needed > chunks.Length)
        {
            Array.Resize(ref chunks, Math.Max(needed, 2 * chunks.Length));
        }

        Length = length;
    }

    /// <summary>Sets <c>[start, end)</c> to what <paramref name="source"/> holds there (zeros past its end);
    /// only the part below this buffer's length is touched.</summary>
    public void CopyRange(GrowableBuffer source, long start, long end)
    {
        end = Math.Min(end, Length);
        for (var pos = start; pos < end;)
        {
            var (chunk, at, count) = Locate(pos, (int)Math.Min(int.MaxValue, end - pos));
            var from = chunk < source.chunks.Length && pos < source.Length ? source.chunks[chunk] : null;
            var valid = (int)Math.Clamp(source.Length - pos, 0, count);
            if (from is null && chunks[chunk] is null)
            {
                pos += count;
                continue;
            }

            var bytes = chunks[chunk];
            if (from is not null && bytes is null)
            {
                bytes = chunks[chunk] = new byte[ChunkSize];
            }

            if (bytes is not null)
            {
                if (from is not null)
                {
                    from.AsSpan(at, valid).CopyTo(bytes.AsSpan(at));
                }
                else
                {
                    bytes.AsSpan(at, valid).Clear();
                }

                bytes.AsSpan(at + valid, count - valid).Clear();
            }

            pos += count;
        }
    }

    /// <summary>Inverts one bit if <paramref name="offset"/> is inside the file; returns whether it was.</summary>
    public bool FlipBit(long offset, int bit)
    {
        if (offset >= Length)
        {
            return false;
        }

        var bytes = chunks[offset >> ChunkShift] ??= new byte[ChunkSize];
        bytes[offset & (ChunkSize - 1)] ^= (byte)(1 << bit);
        return true;
    }

    public GrowableBuffer Clone()
    {
        var copy = new GrowableBuffer { Length = Length, chunks = new byte[]?[chunks.Length] };
        for (var c = 0; c < chunks.Length; c++)
        {
            copy.chunks[c] = (byte[]?)chunks[c]?.Clone();
        }

        return copy;
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        Read(0, bytes);
        return bytes;
    }

    /// <summary>The chunk holding <paramref name="offset"/>, the offset inside it, and how many of
    /// <paramref name="count"/> bytes from there it holds.</summary>
    private static (int Chunk, int At, int Count) Locate(long offset, int count)
    {
        var at = (int)(offset & (ChunkSize - 1));
        return ((int)(offset >> ChunkShift), at, Math.Min(count, ChunkSize - at));
    }
}
