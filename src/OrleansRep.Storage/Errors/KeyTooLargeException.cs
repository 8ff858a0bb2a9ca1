namespace OrleansRep.Storage;

/// <summary>A key is longer than <see cref="StorageOptions.MaxKeySize"/>; nothing was written.</summary>
public sealed class KeyTooLargeException(int size, int limit)
    : StorageException($"key of {size} bytes exceeds the limit of {limit} bytes (MaxKeySize); nothing was written")
{
    public int Size { get; } = size;
    public int Limit { get; } = limit;
}
