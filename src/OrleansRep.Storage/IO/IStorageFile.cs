namespace OrleansRep.Storage.IO;

/// <summary>
/// A file the engine reads and writes at explicit offsets. The narrow seam between the engine and the disk: the
/// real implementation is <see cref="OsFileSystem"/>; tests use an in-memory twin that keeps the same rules
/// (unsynced writes may be lost at a crash; a failed write changes nothing it reports as written).
/// </summary>
public interface IStorageFile : IDisposable
{
    string Path { get; }

    long Length { get; }

    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="offset"/>; returns how many (fewer only at end of file).</summary>
    int Read(long offset, Span<byte> buffer);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>, extending the file if needed.
    /// Throws <see cref="IOException"/> (e.g. disk full) on failure.</summary>
    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Makes every write so far durable (fsync).</summary>
    void Flush();

    void SetLength(long length);

    /// <summary>Extends the file to <paramref name="length"/> bytes of zeros that are really on disk: blocks allocated
    /// and written, not the holes <see cref="SetLength"/> leaves. Overwriting them later changes no metadata, so an
    /// fdatasync after it writes data only. Durable after <see cref="Flush"/>. Nothing happens when the file is
    /// already that long. Throws <see cref="IOException"/> (e.g. disk full) on failure.</summary>
    void Allocate(long length);
}
