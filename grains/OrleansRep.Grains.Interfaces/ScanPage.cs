namespace OrleansRep.Grains.Interfaces;

/// <summary>One page of a scan: the pairs in key order, and <see cref="Next"/>, the key to continue from (null: done).</summary>
public sealed record ScanPage(IReadOnlyList<KeyValuePair<byte[], byte[]>> Items, byte[]? Next);
