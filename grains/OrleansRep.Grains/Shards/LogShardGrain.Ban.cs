using OrleansRep.Replication;
using OrleansRep.Replication.Inputs;

namespace OrleansRep.Grains.Shards;

/// <summary>The replica's part in a recovery-master ban (issue 6): its site's election priority, set through the
/// machine's <see cref="SetPriority"/> command (persisted at once, the group told through the master).</summary>
internal sealed partial class LogShardGrain
{
    public Task<int> SetElectionPriority(int priority)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(priority);
        var node = Node;
        var previous = node.State.Sites.TryGetValue(new SiteId(_site), out var self) ? self.Priority : (options.Sites.TryGetValue(_site, out var configured) ? configured : 100);
        if (previous != priority)
        {
            Run(new Command(new SetPriority(priority)));
            FlushIfWanted();
        }

        return Task.FromResult(previous);
    }
}
