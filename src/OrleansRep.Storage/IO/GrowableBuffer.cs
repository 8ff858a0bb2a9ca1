namespace OrleansRep.Storage.IO;

/// <summary>
/// The bytes of one in-memory file: a byte array with a logical length that behaves like a file (writes past the end
/// extend it with zeros, reads past the end return nothing). Not thread-safe; <see cref="MemoryFileSystem"/> locks.
/// </summary>
internal sealed class GrowableBuffer
{
    private byte[] bytes = [];

    public long Length { get; private set; }

    public int Read(long offset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= Length)
        {
            return 0;
        }

        var n = (int)Math.Min(buffer.Length, Length - offset);
        bytes.AsSpan((int)offset, n).CopyTo(buffer);
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

        data.CopyTo(bytes.AsSpan((int)offset));
    }

    public void SetLength(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > Array.MaxLength)
        {
            // A real file could be sparse; an array cannot. EFBIG is what a file system says when a file outgrows it.
            throw new IOException($"File too large for the in-memory file system ({length} bytes)", 27 /* EFBIG */);
        }

        if (length > bytes.Length)
        {
            Array.Resize(ref bytes, (int)Math.Min(Array.MaxLength, Math.Max(length, 2L * bytes.Length)));
        }
        else if (length < Length)
        {
            // Zero what is cut off now, so that growing the file again reads zeros there, as on a disk.
            Array.Clear(bytes, (int)length, (int)(Length - length));
        }

        Length = length;
    }

    /// <summary>Sets <c>[start, end)</c> to what <paramref name="source"/> holds there (zeros past its end);
    /// only the part below this buffer's length is touched.</summary>
    public void CopyRange(GrowableBuffer source, long start, long end)
    {
        end = Math.Min(end, Length);
        if (start >= end)
        {
            return;
        }

        var span = bytes.AsSpan((int)start, (int)(end - start));
        var copied = source.Read(start, span);
        span[copied..].Clear();
    }

    /// <summary>Inverts one bit if <paramref name="offset"/> is inside the file; returns whether it was.</summary>
    public bool FlipBit(long offset, int bit)
    {
        if (offset >= Length)
        {
            return false;
        }

        bytes[offset] ^= (byte)(1 << bit);
        return true;
    }

    public GrowableBuffer Clone()
    {
        var copy = new GrowableBuffer();
        copy.Write(0, bytes.AsSpan(0, (int)Length));
        return copy;
    }

    public byte[] ToArray() => bytes.AsSpan(0, (int)Length).ToArray();
}
