namespace OrleansRep.Storage;

/// <summary>
/// A checksum or structure check failed where a torn tail cannot explain it. The environment does not open; the
/// message names the file and offset and points to <c>orep db verify</c>. Nothing is silently dropped.
/// </summary>
public sealed class CorruptionException(string file, long offset, string detail)
    : StorageException($"corruption in {file} at offset {offset}: {detail}; run `orep db verify --home <home>` for a full report")
{
    public string File { get; } = file;
    public long Offset { get; } = offset;
    public string Detail { get; } = detail;
}
