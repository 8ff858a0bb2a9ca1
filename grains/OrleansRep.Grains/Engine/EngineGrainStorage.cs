using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using OrleansRep.Runtime.Core;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Engine;

/// <summary>
/// Grain state in reserved databases of a site's own engine (the site-level environment, not a shard's replicated
/// one): <see cref="RecordsDatabase"/> maps (grain type, grain key, state name) to an ETag version and the bytes;
/// <see cref="EtagDatabase"/> holds the last ETag version handed out, bumped in the same transaction as each write,
/// so a record deleted and written again never reuses an ETag, across restarts too. Every write and clear is one
/// durable (Sync) transaction; concurrent ones share an fsync (group commit). The caller owns the environment.
/// </summary>
public sealed class EngineGrainStorage : IGrainStorage
{
    public const string RecordsDatabase = "__grain.state";
    public const string EtagDatabase = "__grain.etag";

    private static readonly byte[] LastEtagKey = "last"u8.ToArray();

    private readonly StorageEnvironment _env;
    private readonly Database _records;
    private readonly Database _etags;

    public EngineGrainStorage(StorageEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _env = environment;
        _records = environment.OpenDatabase(RecordsDatabase, create: true);
        _etags = environment.OpenDatabase(EtagDatabase, create: true);
    }

    public Task<GrainStateRecord?> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Decode(_env.Get(_records, KeyOf(grainId, stateName))));
    }

    public async Task<string> WriteAsync(GrainId grainId, string stateName, ReadOnlyMemory<byte> data, string? expectedEtag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        var key = KeyOf(grainId, stateName);
        using var txn = await _env.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        CheckEtag(txn, key, grainId, stateName, expectedEtag, "write");
        var version = (txn.Get(_etags, LastEtagKey) is { } last ? BinaryPrimitives.ReadInt64LittleEndian(last) : 0) + 1;
        var value = new byte[8 + data.Length];
        BinaryPrimitives.WriteInt64LittleEndian(value, version);
        data.Span.CopyTo(value.AsSpan(8));
        txn.Put(_records, key, value);
        txn.Put(_etags, LastEtagKey, value.AsSpan(0, 8));
        await txn.CommitAsync(Durability.Sync, CancellationToken.None).ConfigureAwait(false);
        return EtagOf(version);
    }

    public async Task ClearAsync(GrainId grainId, string stateName, string? expectedEtag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        var key = KeyOf(grainId, stateName);
        using var txn = await _env.BeginWriteAsync(cancellationToken).ConfigureAwait(false);
        CheckEtag(txn, key, grainId, stateName, expectedEtag, "clear");
        txn.Delete(_records, key);
        await txn.CommitAsync(Durability.Sync, CancellationToken.None).ConfigureAwait(false);
    }

    private void CheckEtag(WriteTransaction txn, byte[] key, GrainId grainId, string stateName, string? expectedEtag, string operation)
    {
        var stored = Decode(txn.Get(_records, key))?.Etag;
        if (!string.Equals(stored, expectedEtag, StringComparison.Ordinal))
        {
            // The transaction is disposed unused: nothing is written.
            throw new InconsistentStateException(
                $"Cannot {operation} state '{stateName}' of grain {grainId}: stored ETag is {stored ?? "(none)"}, the caller's is {expectedEtag ?? "(none)"}.",
                stored,
                expectedEtag);
        }
    }

    private static GrainStateRecord? Decode(byte[]? value) =>
        value is null ? null : new GrainStateRecord(value.AsMemory(8), EtagOf(BinaryPrimitives.ReadInt64LittleEndian(value)));

    private static string EtagOf(long version) => version.ToString(CultureInfo.InvariantCulture);

    /// <summary>Type, key and state name, each length-prefixed, so no two identities share a key.</summary>
    private static byte[] KeyOf(GrainId grainId, string stateName)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(grainId.Type);
            w.Write(grainId.Key);
            w.Write(stateName);
        }

        return stream.ToArray();
    }
}
