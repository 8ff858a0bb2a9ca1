using OrleansRep.Storage.Tree;
using OrleansRep.Storage.Txn;

namespace OrleansRep.Storage.Snapshot;

/// <summary>
/// The client's side of internal init in the engine: loads snapshot chunks into an environment that
/// <see cref="StorageEnvironment.OpenForInit"/> emptied, straight into the trees (no log records: the log must stay the
/// master's, LSN for LSN), and finishes with a checkpoint that makes the loaded data durable before the marker goes.
/// Loaded data is not durable until then; a crash before it finds the marker and starts over empty.
/// </summary>
internal sealed class SnapshotLoader(StorageEnvironment env)
{
    private long _loadedSinceCheckpoint;

    public void Load(ReadOnlyMemory<byte> chunk)
    {
        ThrowIfNoInit("load a snapshot chunk");
        var contents = SnapshotChunk.Decode(chunk);
        env.EnterWriter();
        try
        {
            // Everything is checked before the first pair goes in: a rejected chunk loads nothing.
            var catalog = env.CurrentCatalog;
            foreach (var segment in contents.Segments)
            {
                if (catalog.ById.TryGetValue(segment.DatabaseId, out var known) ? known.Name != segment.Name
                    : catalog.ByName.TryGetValue(segment.Name, out var named) && named.Id != segment.DatabaseId)
                {
                    throw new SnapshotChunkException($"database '{segment.Name}' #{segment.DatabaseId} conflicts with a database loaded from another chunk");
                }

                foreach (var (key, value) in segment.Pairs)
                {
                    env.CheckSizes(key.Length, value.Length);
                }
            }

            var version = env.LastCommit.Version + 1;
            var writer = env.ResetTreeWriter(version);
            foreach (var segment in contents.Segments)
            {
                if (!catalog.ById.TryGetValue(segment.DatabaseId, out var state))
                {
                    state = new DatabaseState(segment.DatabaseId, segment.Name, null);
                    catalog = new CatalogVersion(version, catalog.ByName.Values.Append(state), Math.Max(catalog.NextId, segment.DatabaseId + 1), catalog);
                }

                foreach (var (key, value) in segment.Pairs)
                {
                    writer.Put(state, key.ToArray(), value.ToArray());
                }
            }

            if (contents.NextDatabaseId > catalog.NextId)
            {
                catalog = new CatalogVersion(version, catalog.ByName.Values, contents.NextDatabaseId, catalog);
            }

            env.InstallCatalog(catalog);
            env.PublishApplied(version, env.LogEnd, writer.Released);
        }
        finally
        {
            env.EndWrite();
        }

        // Loaded leaves are dirty until a checkpoint writes them, and only clean ones can leave the cache: checkpoint
        // as often as the log would, so a snapshot larger than the cache loads too.
        _loadedSinceCheckpoint += chunk.Length;
        if (_loadedSinceCheckpoint >= Math.Max(env.Options.CheckpointLogBytes, 1 << 20))
        {
            env.CheckpointCore(Lsn.Zero);
            _loadedSinceCheckpoint = 0;
        }
    }

    public void Finish()
    {
        ThrowIfNoInit("finish internal init");
        env.Flush();
        env.CheckpointCore(Lsn.Zero);
        env.EndInit();
        _loadedSinceCheckpoint = 0;
    }

    private void ThrowIfNoInit(string what)
    {
        if (!env.InitPending)
        {
            throw new InitNotUnderWayException($"cannot {what}: no internal init is under way in {env.Home} (open it with StorageEnvironment.OpenForInit)");
        }
    }
}
