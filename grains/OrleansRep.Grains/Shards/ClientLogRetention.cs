using OrleansRep.Replication;
using OrleansRep.Storage;

namespace OrleansRep.Grains.Shards;

/// <summary>
/// On a shard's master: the oldest log position its clients still need, so that log archiving keeps the files a
/// lagging client will ask for (it then catches up from the log instead of by internal init), for at most
/// <see cref="Bound"/> after the client last made progress (so one dead client cannot fill the disk). Berkeley DB's
/// repmgr only holds archiving briefly for a client it lost; this holds it for a bounded time.
/// <para>
/// Pure bookkeeping: the host feeds it what its replication machine knows (role, generation, each member's highest
/// acknowledged PERM LSN, the master's last PERM LSN) and the time, and asks <see cref="OldestNeeded"/> when it
/// archives. It reads the machine's state; it never changes the protocol.
/// </para>
/// <para>
/// A client <em>makes progress</em> when its acknowledged LSN moves on, or when it is caught up (it has acknowledged the
/// master's last PERM record): a client that is up to date on an idle master holds nothing and is not "stale", so the
/// bound counts from the moment it fell behind and stopped acknowledging, not from its last ack. A member this master
/// has no ack from in its generation (a master just elected or restarted knows no client's position; a site just
/// added) needs the whole log, within the same bound counted from when this master first saw it.
/// </para>
/// </summary>
internal sealed class ClientLogRetention(TimeSpan bound)
{
    /// <summary>What a member with no known position needs: every log file (file 1 on).</summary>
    public static readonly Lsn WholeLog = new(1, 0);

    private readonly Dictionary<SiteId, ClientProgress> _clients = [];
    private bool _master;
    private uint _gen;

    /// <summary>How long a client that makes no progress keeps holding log files; <see cref="TimeSpan.Zero"/>: clients
    /// hold nothing (archiving removes what recovery no longer needs, and a lagging client comes back by internal init).</summary>
    public TimeSpan Bound { get; } = bound >= TimeSpan.Zero ? bound : throw new ArgumentOutOfRangeException(nameof(bound), bound, "the retention bound cannot be negative");

    /// <summary>
    /// Takes in what the machine knows now. Off the master (or in a new generation) everything is forgotten: a client
    /// keeps no retention for other clients (they ask the master for what their peer lacks), and a new master starts
    /// from what it sees itself.
    /// </summary>
    /// <param name="isMaster">This site is the shard's master.</param>
    /// <param name="gen">The master's generation (acks are per generation).</param>
    /// <param name="clients">Every other member of the group with the highest PERM LSN it acknowledged in this
    /// generation (<see cref="Lsn.Zero"/>: none).</param>
    /// <param name="maxPermLsn">The master's last PERM record.</param>
    /// <param name="now">The host's clock (elapsed time; only differences matter).</param>
    public void Observe(bool isMaster, uint gen, IEnumerable<(SiteId Site, Lsn Acked)> clients, Lsn maxPermLsn, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(clients);
        if (!isMaster)
        {
            _master = false;
            _clients.Clear();
            return;
        }

        if (!_master || gen != _gen)
        {
            _master = true;
            _gen = gen;
            _clients.Clear();
        }

        var members = clients.ToList();
        foreach (var (site, acked) in members)
        {
            if (!_clients.TryGetValue(site, out var known))
            {
                _clients[site] = new ClientProgress(acked, now);
            }
            else if (acked > known.Acked || (!acked.IsZero && acked >= maxPermLsn))
            {
                _clients[site] = new ClientProgress(acked, now);
            }
        }

        if (members.Count != _clients.Count)
        {
            // A member was removed: it needs nothing any more.
            foreach (var gone in _clients.Keys.Where(s => !members.Exists(m => m.Site == s)).ToList())
            {
                _clients.Remove(gone);
            }
        }
    }

    /// <summary>
    /// The oldest LSN a client that made progress within <see cref="Bound"/> still needs (archiving keeps that LSN's
    /// file and every later one), or <see cref="Lsn.Zero"/> when none holds anything (off the master, bound zero, every
    /// client caught up or stale). A client needs the records after its acknowledged LSN; the file of that LSN is kept
    /// too, since a returning client verifies its last record against the master's log.
    /// </summary>
    /// <param name="now">The host's clock, as given to <see cref="Observe"/>.</param>
    /// <param name="logEnd">The master's log end (only read with <paramref name="maxFiles"/>).</param>
    /// <param name="maxFiles">A size cap: a client that would hold more than this many files before the one
    /// <paramref name="logEnd"/> is in holds none (keeping part of what it needs would not spare it the internal init);
    /// 0: no cap.</param>
    public Lsn OldestNeeded(TimeSpan now, Lsn logEnd = default, uint maxFiles = 0)
    {
        if (!_master || Bound == TimeSpan.Zero)
        {
            return Lsn.Zero;
        }

        var oldest = Lsn.Zero;
        foreach (var progress in _clients.Values)
        {
            if (now - progress.At > Bound)
            {
                continue; // stale: it comes back by internal init
            }

            var needed = progress.Acked.IsZero ? WholeLog : progress.Acked;
            if (maxFiles > 0 && logEnd.File > needed.File && logEnd.File - needed.File > maxFiles)
            {
                continue; // over the size cap: it comes back by internal init
            }

            if (oldest.IsZero || needed < oldest)
            {
                oldest = needed;
            }
        }

        return oldest;
    }

    /// <summary>A client's acknowledged LSN and when it last made progress.</summary>
    private readonly record struct ClientProgress(Lsn Acked, TimeSpan At);
}
