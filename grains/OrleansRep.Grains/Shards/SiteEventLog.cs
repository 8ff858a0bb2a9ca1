using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Grains.Shards;

/// <summary>The site's event feed in memory: the newest events of every shard replica on this silo, bounded (a silo
/// serves one site, so one log per silo). Replicas append; the site grain reads.</summary>
public sealed class SiteEventLog(SiteStorageOptions options)
{
    private readonly Queue<SiteEvent> _events = new();
    private readonly Lock _lock = new();

    public void Add(SiteEvent e)
    {
        lock (_lock)
        {
            if (_events.Count >= options.MaxRecentEvents)
            {
                _events.Dequeue();
            }

            _events.Enqueue(e);
        }
    }

    /// <summary>The retained events, oldest first (of one shard when <paramref name="shard"/> is given).</summary>
    public IReadOnlyList<SiteEvent> Snapshot(int? shard = null)
    {
        lock (_lock)
        {
            return [.. _events.Where(e => shard is null || e.Shard == shard)];
        }
    }
}
