using OrleansRep.Storage;

namespace OrleansRep.Cli.Tests.Support;

/// <summary>Fills and reads environments in-process, to set up and check what the command line did.</summary>
public static class HomeContents
{
    /// <summary>Puts the pairs into <paramref name="database"/>, in one transaction.</summary>
    public static void Put(string home, string database, IEnumerable<(byte[] Key, byte[] Value)> pairs)
    {
        using var env = StorageEnvironment.Open(home);
        using var txn = env.BeginWrite();
        var db = txn.OpenDatabase(database, create: true);
        foreach (var (key, value) in pairs)
        {
            txn.Put(db, key, value);
        }

        txn.Commit();
    }

    /// <summary>Every pair of every database as "db/keyhex=valuehex" lines, for exact comparison in assertions.</summary>
    public static List<string> Snapshot(string home)
    {
        using var env = StorageEnvironment.Open(home);
        using var read = env.BeginRead();
        var lines = new List<string>();
        foreach (var name in read.DatabaseNames())
        {
            var cursor = read.OpenCursor(read.OpenDatabase(name));
            for (var more = cursor.First(); more; more = cursor.Next())
            {
                lines.Add($"{name}/{Convert.ToHexString(cursor.Key.Span)}={Convert.ToHexString(cursor.Value.Span)}");
            }

            lines.Add($"{name} (end)");
        }

        return lines;
    }

    /// <summary>Seeded pairs with distinct keys, about half of their bytes the ones dump formats find awkward.</summary>
    public static List<(byte[] Key, byte[] Value)> RandomPairs(Random random, int count)
    {
        byte[] awkward = [(byte)' ', (byte)'\\', (byte)'=', (byte)'\n', (byte)'\r', 0x00, 0x7f, 0x80, 0xff];
        byte[] Bytes(int length)
        {
            var bytes = new byte[length];
            for (var i = 0; i < length; i++)
            {
                bytes[i] = random.Next(2) == 0 ? awkward[random.Next(awkward.Length)] : (byte)random.Next(256);
            }

            return bytes;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pairs = new List<(byte[] Key, byte[] Value)>(count);
        while (pairs.Count < count)
        {
            var key = Bytes(random.Next(1, 40));
            if (seen.Add(Convert.ToHexString(key)))
            {
                pairs.Add((key, Bytes(random.Next(10) == 0 ? 0 : random.Next(1, 300))));
            }
        }

        return pairs;
    }
}
