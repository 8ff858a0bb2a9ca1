namespace OrleansRep.Storage.Tests.Engine.Model;

/// <summary>
/// What the environment should hold: every named database as a sorted map of byte keys to byte values. Values are
/// never mutated in place, so a clone shares them.
/// </summary>
public sealed class KvModel
{
    private readonly Dictionary<string, SortedDictionary<byte[], byte[]>> _dbs = new(StringComparer.Ordinal);

    public IEnumerable<string> Names => _dbs.Keys.Order(StringComparer.Ordinal);

    public bool Has(string db) => _dbs.ContainsKey(db);

    public SortedDictionary<byte[], byte[]> Db(string db) => _dbs[db];

    public void Create(string db) => _dbs.Add(db, new SortedDictionary<byte[], byte[]>(ByteArrayComparer.Instance));

    public void Drop(string db) => _dbs.Remove(db);

    public KvModel Clone()
    {
        var copy = new KvModel();
        foreach (var (name, pairs) in _dbs)
        {
            copy._dbs.Add(name, new SortedDictionary<byte[], byte[]>(pairs, ByteArrayComparer.Instance));
        }

        return copy;
    }

    /// <summary>Everything a snapshot holds: each database read in full with a cursor.</summary>
    public static KvModel Read(ReadTransaction read)
    {
        var model = new KvModel();
        foreach (var name in read.DatabaseNames())
        {
            model.Create(name);
            var cursor = read.OpenCursor(read.OpenDatabase(name));
            for (var ok = cursor.First(); ok; ok = cursor.Next())
            {
                model.Db(name)[cursor.Key.ToArray()] = cursor.Value.ToArray();
            }
        }

        return model;
    }

    /// <summary>Everything the latest commit of <paramref name="env"/> holds.</summary>
    public static KvModel Read(StorageEnvironment env)
    {
        using var read = env.BeginRead();
        return Read(read);
    }

    /// <summary>Null when both hold the same databases with the same pairs, else the first difference.</summary>
    public static string? Diff(KvModel expected, KvModel actual)
    {
        var names = expected.Names.ToList();
        var actualNames = actual.Names.ToList();
        if (!names.SequenceEqual(actualNames))
        {
            return $"databases differ: expected [{string.Join(", ", names)}], got [{string.Join(", ", actualNames)}]";
        }

        foreach (var name in names)
        {
            var diff = DiffPairs(expected.Db(name).ToList(), actual.Db(name).ToList());
            if (diff != null)
            {
                return $"database '{name}': {diff}; {Differences(expected.Db(name), actual.Db(name))}";
            }
        }

        return null;
    }

    /// <summary>Null when the two pair lists are equal (same keys, values, order), else the first difference.</summary>
    public static string? DiffPairs(IReadOnlyList<KeyValuePair<byte[], byte[]>> expected, IReadOnlyList<KeyValuePair<byte[], byte[]>> actual)
    {
        var n = Math.Min(expected.Count, actual.Count);
        for (var i = 0; i < n; i++)
        {
            if (!ByteArrayComparer.Instance.Equals(expected[i].Key, actual[i].Key))
            {
                return $"pair {i}: expected key {Show(expected[i].Key)}, got key {Show(actual[i].Key)}";
            }

            if (!ByteArrayComparer.Instance.Equals(expected[i].Value, actual[i].Value))
            {
                return $"pair {i} (key {Show(expected[i].Key)}): expected value {Show(expected[i].Value)}, got {Show(actual[i].Value)}";
            }
        }

        if (expected.Count != actual.Count)
        {
            var extra = expected.Count > actual.Count ? $"missing key {Show(expected[n].Key)}" : $"unexpected key {Show(actual[n].Key)}";
            return $"expected {expected.Count} pairs, got {actual.Count} ({extra})";
        }

        return null;
    }

    /// <summary>Keys missing, unexpected and with other values (up to ten of each), for a failure message.</summary>
    private static string Differences(SortedDictionary<byte[], byte[]> expected, SortedDictionary<byte[], byte[]> actual)
    {
        var missing = expected.Keys.Where(k => !actual.ContainsKey(k)).ToList();
        var extra = actual.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var changed = expected.Where(p => actual.TryGetValue(p.Key, out var v) && !p.Value.AsSpan().SequenceEqual(v)).Select(p => p.Key).ToList();
        static string List(List<byte[]> keys) => string.Join(" ", keys.Take(10).Select(Text)) + (keys.Count > 10 ? $" (+{keys.Count - 10})" : "");
        return $"missing {missing.Count} [{List(missing)}], unexpected {extra.Count} [{List(extra)}], other value {changed.Count} [{List(changed)}]";
    }

    /// <summary>A key as text when it is printable ASCII, else as hex.</summary>
    public static string Text(byte[] key) =>
        key.All(b => b is >= 0x20 and < 0x7f) ? System.Text.Encoding.ASCII.GetString(key) : Show(key);

    /// <summary>Hex of a byte string, shortened for messages.</summary>
    public static string Show(byte[]? bytes)
    {
        if (bytes == null)
        {
            return "(absent)";
        }

        var hex = Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 24)));
        return bytes.Length > 24 ? $"{hex}...({bytes.Length} bytes)" : $"{hex}({bytes.Length} bytes)";
    }
}
