namespace OrleansRep.Storage;

/// <summary>A value is longer than <see cref="StorageOptions.MaxValueSize"/>; nothing was written.</summary>
public sealed class ValueTooLargeException(long size, long limit)
    : StorageException($"value of {size} bytes exceeds the limit of {limit} bytes (MaxValueSize); nothing was written")
{
    public long Size { get; } = size;
    public long Limit { get; } = limit;
}
