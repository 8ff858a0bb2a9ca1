namespace OrleansRep.Storage.IO;

/// <summary>
/// One write or resize of an in-memory file since its last flush, kept so a simulated crash can decide which of them
/// reached the disk. <see cref="DirtyStart"/>..<see cref="DirtyEnd"/> is every byte it may have changed, including
/// the zeros a write past the end or a growing resize puts between the old end and the new data.
/// </summary>
internal sealed class UnsyncedChange
{
    private UnsyncedChange(bool isWrite, long offset, byte[] data, long newLength, long dirtyStart, long dirtyEnd)
    {
        IsWrite = isWrite;
        Offset = offset;
        Data = data;
        NewLength = newLength;
        DirtyStart = dirtyStart;
        DirtyEnd = dirtyEnd;
    }

    /// <summary>A write (otherwise a resize to <see cref="NewLength"/>).</summary>
    public bool IsWrite { get; }

    public long Offset { get; }

    /// <summary>The bytes written (a copy: the caller's buffer may change); mutable so a flipped disk bit reaches it.</summary>
    public byte[] Data { get; }

    public long NewLength { get; }

    public long DirtyStart { get; }

    public long DirtyEnd { get; }

    public static UnsyncedChange Write(long offset, ReadOnlySpan<byte> data, long lengthBefore) =>
        new(true, offset, data.ToArray(), 0, Math.Min(offset, lengthBefore), offset + data.Length);

    public static UnsyncedChange Resize(long newLength, long lengthBefore) =>
        new(false, 0, [], newLength, Math.Min(newLength, lengthBefore), Math.Max(newLength, lengthBefore));

    public void ApplyTo(GrowableBuffer buffer)
    {
        if (IsWrite)
        {
            buffer.Write(Offset, Data);
        }
        else
        {
            buffer.SetLength(NewLength);
        }
    }
}
