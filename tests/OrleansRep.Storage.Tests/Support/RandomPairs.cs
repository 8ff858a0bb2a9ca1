namespace OrleansRep.Storage.Tests.Support;

/// <summary>Seeded random binary key/value pairs that lean on the bytes a text dump format has to get right.</summary>
public static class RandomPairs
{
    // Bytes with a special meaning somewhere in a dump or its line handling.
    private static readonly byte[] Awkward = [(byte)' ', (byte)'\\', (byte)'=', (byte)'\n', (byte)'\r', (byte)'\t', 0x00, 0x7f, 0x80, 0xff];

    /// <summary>
    /// <paramref name="count"/> pairs with distinct keys. About one value in ten is empty, one key in a hundred too
    /// long for a Berkeley DB leaf page when <paramref name="includeLong"/> is set, and half the bytes come from a
    /// small set of awkward ones.
    /// </summary>
    public static List<(byte[] Key, byte[] Value)> Generate(int seed, int count, bool includeLong = false)
    {
        var random = new Random(seed);
        var seenKeys = new HashSet<string>(StringComparer.Ordinal);
        var pairs = new List<(byte[] Key, byte[] Value)>(count);
        while (pairs.Count < count)
        {
            var key = Bytes(random, random.Next(0, 33));
            if (!seenKeys.Add(Convert.ToHexString(key)))
            {
                continue;
            }

            var valueLength = random.Next(10) switch
            {
                0 => 0,
                1 when includeLong => random.Next(3_000, 9_000),
                _ => random.Next(1, 120),
            };
            pairs.Add((key, Bytes(random, valueLength)));
        }

        return pairs;
    }

    private static byte[] Bytes(Random random, int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = random.Next(2) == 0 ? Awkward[random.Next(Awkward.Length)] : (byte)random.Next(256);
        }

        return bytes;
    }
}
