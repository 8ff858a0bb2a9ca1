using OrleansRep.Grains.Interfaces;
using OrleansRep.Storage;
using OrleansRep.Storage.Log;
using KeyTooLargeException = OrleansRep.Grains.Interfaces.KeyTooLargeException;
using ValueTooLargeException = OrleansRep.Grains.Interfaces.ValueTooLargeException;

namespace OrleansRep.Grains.Shards;

/// <summary>A shard's key-value data in its engine environment (database "data"): checking and applying a batch,
/// point reads and scan pages. Replication is the caller's; this is only what a write or read does to the data.</summary>
internal static class ShardData
{
    /// <summary>The database every replica's genesis transaction creates.</summary>
    public const string Database = "data";

    /// <summary>Refuses a batch before anything is written: empty, a key out of 1..MaxKeySize, a key of another
    /// shard, a value or the whole batch over MaxValueSize.</summary>
    public static void Check(IReadOnlyList<BatchOperation> operations, StorageOptions limits, ShardMap map, int shard)
    {
        if (operations.Count == 0)
        {
            throw new ArgumentException("a batch needs at least one operation", nameof(operations));
        }

        foreach (var op in operations)
        {
            if (op.Key.Length == 0 || op.Key.Length > limits.MaxKeySize)
            {
                throw new KeyTooLargeException($"a key of {op.Key.Length} bytes is outside 1..{limits.MaxKeySize} bytes; nothing was written");
            }

            CheckShard(op.Key, map, shard);
            if (op.Value is { Length: var length } && length > limits.MaxValueSize)
            {
                throw new ValueTooLargeException($"a value of {length} bytes exceeds the limit of {limits.MaxValueSize} bytes; nothing was written");
            }
        }

        if (operations.Sum(o => (long)o.Key.Length + (o.Value?.Length ?? 0)) > limits.MaxValueSize)
        {
            throw new ValueTooLargeException($"the batch exceeds {limits.MaxValueSize} bytes; nothing was written");
        }
    }

    public static void CheckShard(byte[] key, ShardMap map, int shard)
    {
        if (map.ShardOf(key) != shard)
        {
            throw new ArgumentException($"key {Convert.ToHexString(key)} belongs to shard {map.ShardOf(key)}, not {shard} (a batch is atomic within one shard)", nameof(key));
        }
    }

    /// <summary>Applies <paramref name="operations"/> as one transaction, logged without fsync (the caller's group
    /// commit makes it durable).</summary>
    /// <summary>Applies the batch as one transaction (not flushed) and returns the log records it wrote, for the
    /// master to ship.</summary>
    public static List<LogRecord> Apply(StorageEnvironment environment, IReadOnlyList<BatchOperation> operations)
    {
        using var txn = environment.BeginWrite();
        var db = txn.OpenDatabase(Database, create: true);
        foreach (var op in operations)
        {
            if (op.Value is null)
            {
                txn.Delete(db, op.Key);
            }
            else
            {
                txn.Put(db, op.Key, op.Value);
            }
        }

        // Buffered: the records stay in the log's buffer, and the grain's pipelined flush writes and fsyncs them. A master
        // answers no commit before its log is durable past it, so nothing acknowledged rests on the buffer; and a commit
        // never waits here for a write (NoSync would, behind a running fsync, on the grain's turn).
        List<LogRecord> records = [];
        txn.Commit(Durability.Buffered, records);
        return records;
    }

    public static byte[]? Get(StorageEnvironment environment, byte[] key)
    {
        using var read = environment.BeginRead();
        return read.TryOpenDatabase(Database, out var db) ? read.Get(db, key) : null;
    }

    /// <summary>Up to <paramref name="limit"/> pairs from <paramref name="startKey"/> (or the prefix, if later) to
    /// <paramref name="endKey"/> (exclusive; empty: no end) that start with <paramref name="prefix"/>, and the key to
    /// continue from.</summary>
    public static ScanPage Scan(StorageEnvironment environment, byte[] startKey, byte[] endKey, byte[] prefix, int limit)
    {
        var from = prefix.Length > 0 && prefix.AsSpan().SequenceCompareTo(startKey) > 0 ? prefix : startKey;
        var items = new List<KeyValuePair<byte[], byte[]>>();
        using var read = environment.BeginRead();
        if (read.TryOpenDatabase(Database, out var db))
        {
            foreach (var (k, v) in read.OpenCursor(db).Range(from.Length == 0 ? null : from, endKey.Length == 0 ? null : endKey))
            {
                if (!k.Span.StartsWith(prefix))
                {
                    break;
                }

                if (items.Count == limit)
                {
                    return new ScanPage(items, k.ToArray());
                }

                items.Add(new(k.ToArray(), v.ToArray()));
            }
        }

        return new ScanPage(items, null);
    }
}
