using OrleansRep.Grains.Interfaces;

namespace OrleansRep.Grains.Recovery;

/// <summary>
/// Each shard's write rate as the recovery master sees it, for the takeover run to spread writes: the commits counter
/// a shard's master reports for it (<see cref="ShardMastership.Commits"/>), read every round, smoothed (half the weight
/// on the newest interval) so one burst does not move a master. A new master or a restarted counter starts over.
/// Pure: the loop feeds it views and times.
/// </summary>
internal sealed class ShardWriteRates
{
    /// <summary>The weight of the newest interval in the smoothed rate.</summary>
    private const double Smoothing = 0.5;

    private readonly Dictionary<int, (int Master, long Commits, DateTimeOffset At, double? Rate)> _shards = [];

    /// <summary>Commits per second of each shard measured so far (shards without two readings from one master yet are
    /// missing).</summary>
    public IReadOnlyDictionary<int, double> Current =>
        _shards.Where(s => s.Value.Rate is not null).ToDictionary(s => s.Key, s => s.Value.Rate!.Value);

    /// <summary>Takes in what the masters among <paramref name="views"/> report at <paramref name="now"/>.</summary>
    public void Observe(DateTimeOffset now, IEnumerable<RecoveryView> views)
    {
        ArgumentNullException.ThrowIfNull(views);
        foreach (var view in views)
        {
            foreach (var shard in view.Shards.Where(s => s.Master == view.Site))
            {
                if (_shards.TryGetValue(shard.Shard, out var last) && last.Master == view.Site && shard.Commits >= last.Commits && now > last.At)
                {
                    var interval = (shard.Commits - last.Commits) / (now - last.At).TotalSeconds;
                    var rate = last.Rate is { } r ? (Smoothing * interval) + ((1 - Smoothing) * r) : interval;
                    _shards[shard.Shard] = (view.Site, shard.Commits, now, rate);
                }
                else if (!_shards.TryGetValue(shard.Shard, out last) || last.Master != view.Site || shard.Commits < last.Commits)
                {
                    _shards[shard.Shard] = (view.Site, shard.Commits, now, null);
                }
            }
        }
    }
}
