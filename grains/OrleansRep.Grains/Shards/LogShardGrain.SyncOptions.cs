using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// The site's sync options (issue 6, membership and sync): the election priority changed online, the delayed client
/// sync started by hand (Berkeley DB's DELAYCLIENT and <c>rep_sync</c>), client-to-client catch-up through a designated
/// sync peer (repmgr's DB_REPMGR_PEER), and NOWAIT (operations that would wait for a lockout or a sync fail at once).
/// </summary>
internal sealed partial class LogShardGrain
{
    public Task<int> SetPriority(int priority)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(priority);
        var node = Node;
        var previous = node.State.Sites.TryGetValue(new SiteId(_site), out var self) ? self.Priority : options.Replication.Priority;
        Run(new Command(new Replication.Inputs.SetPriority(priority)));
        FlushIfWanted();
        SyncOptionsLog.PriorityChanged(_log, _shard, _site, previous, priority);
        return Task.FromResult(previous);
    }

    public Task<bool> SyncNow()
    {
        var node = Node;

        // A sync is held when the client knows its master and waits for rep_sync; one under way is left alone.
        var held = node.Role == RepRole.Client && node.Syncing && !node.Master.IsNone;
        Run(new Command(new Replication.Inputs.SyncNow()));
        FlushIfWanted();
        SyncOptionsLog.SyncRequested(_log, _shard, _site, held);
        return Task.FromResult(held);
    }

    /// <summary>
    /// Where a message goes. A request the machine lets any site answer (ANYWHERE: a first-time gap request, VERIFY_REQ,
    /// ALL_REQ) goes to the configured sync peer while that peer is reachable and is not this site; the peer answers
    /// from its log when it can, else replies REREQUEST and the machine asks the master (REREQUEST-flagged requests are
    /// never redirected). Everything else goes where the machine said.
    /// </summary>
    private SiteId RouteOf(Send send)
    {
        var peer = options.SyncPeer;
        if (peer == 0 || peer == _site || (send.Flags & (SendOptions.Anywhere | SendOptions.ReRequest)) != SendOptions.Anywhere)
        {
            return send.To.Site;
        }

        return _links.TryGetValue(new SiteId(peer), out var link) && link.Up == true ? link.Peer : send.To.Site;
    }

    /// <summary>NOWAIT: a read on a replica that is locked out (a role change, the truncation after verify, internal
    /// init) fails at once with <see cref="ShardLockedOutException"/>.</summary>
    private void RefuseReadWhileLockedOut()
    {
        if (options.Replication.NoWait && (Node.LockedOut || Store.Environment.InitPending))
        {
            throw new ShardLockedOutException(Say($"shard {_shard} on site {_site} is locked out ({(Node.InInternalInit ? "internal init" : "role change or sync")} under way) and the site runs with --nowait; retry shortly"));
        }
    }

    /// <summary>NOWAIT: a read that would wait for a commit not yet applied, on a client whose sync with its master is
    /// not done (held for <c>orep sync</c>, verifying, in internal init, or refused), fails at once with
    /// <see cref="ShardLockedOutException"/> instead of waiting (possibly for a sync nobody started).</summary>
    private void RefuseWaitWhileSyncing(CommitToken wanted)
    {
        if (options.Replication.NoWait && (Node.Syncing || Node.LockedOut))
        {
            throw new ShardLockedOutException(Say($"shard {_shard} on site {_site} has not applied {wanted} and is syncing with its master (or holding its sync for `orep sync`); the site runs with --nowait, so the read does not wait"));
        }
    }
}
