namespace OrleansRep.Storage.Tests.Support;

/// <summary>
/// Turns key/value pairs into hex strings so assertions compare by content and a failure shows the differing bytes,
/// and sorts them the way a Berkeley DB btree orders keys by default: unsigned bytewise, a prefix before longer keys.
/// </summary>
public static class PairText
{
    public static List<(string Key, string Value)> InFileOrder(IEnumerable<(byte[] Key, byte[] Value)> pairs) =>
        pairs.Select(pair => (Convert.ToHexString(pair.Key), Convert.ToHexString(pair.Value))).ToList();

    public static List<(string Key, string Value)> InBtreeOrder(IEnumerable<(byte[] Key, byte[] Value)> pairs) =>
        InFileOrder(pairs.OrderBy(pair => pair.Key, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))));
}
