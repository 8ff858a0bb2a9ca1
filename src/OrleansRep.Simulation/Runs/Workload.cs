using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Simulation.Cluster;

namespace OrleansRep.Simulation.Runs;

/// <summary>
/// The application side of a run (the workload stream): transactions of 1-4 records (the last a commit) proposed every
/// few milliseconds on whichever site is master (a random one of them if several believe so), an occasional
/// checkpoint, and for delayed clients an occasional <see cref="SyncNow"/>. Counts what it proposed and what came back.
/// <para>
/// <see cref="Settle"/> ends the steady proposals for the quiet period and keeps doing what an application does to
/// keep a group available: every <see cref="SettleInterval"/> it tells delayed clients to sync, and when no site that
/// is up is master it has every electable site call an election (repmgr's election thread). Until the probe deadline
/// it also writes one small transaction per interval on the master (a probe). Berkeley DB's clients learn of records
/// they lost only from a later record, a heartbeat (off by default) or a NEWMASTER; an idle master after faults
/// would leave a client that lost the tail of the stream behind for good, as it would in Berkeley DB. The probes are
/// the next writes an application makes; convergence is checked after the last of them had time to arrive.
/// </para>
/// </summary>
public sealed class Workload
{
    private readonly SimCluster _cluster;
    private readonly Random _random;

    /// <summary>Elections are called again after this many checks without a master (5 s, half repmgr's retry).</summary>
    private const int ElectionRetryTends = 10;

    private bool _settling;
    private long _probeUntil;
    private int _idleTends;

    public Workload(SimCluster cluster, Random random)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(random);
        _cluster = cluster;
        _random = random;
        cluster.Stepped += Count;
    }

    public bool Running { get; private set; }

    public long Proposed { get; private set; }

    public long Committed { get; private set; }

    public long NotMet { get; private set; }

    public long NotMaster { get; private set; }

    public long Checkpoints { get; private set; }

    public void Start()
    {
        Running = true;
        ScheduleNext();
    }

    public void Stop() => Running = false;

    /// <summary>How often the quiet period's application checks the group.</summary>
    public static long SettleInterval => SimTime.Ms(500);

    /// <summary>Stops proposing; from now on only keeps the group available and, until
    /// <paramref name="probeUntil"/>, probes it with one write per interval (see the class comment).</summary>
    public void Settle(long probeUntil)
    {
        Running = false;
        _settling = true;
        _probeUntil = probeUntil;
        _cluster.At(_cluster.Now + SettleInterval, Tend);
    }

    private void Tend()
    {
        if (!_settling)
        {
            return;
        }

        var up = _cluster.AllSites.Where(s => s.IsUp).ToList();
        foreach (var delayed in up.Where(s => s.Role == RepRole.Client && s.Options.DelayClient))
        {
            _cluster.Command(delayed.Id, new SyncNow());
        }

        var masters = up.Where(s => s.Role == RepRole.Master).ToList();
        if (masters.Count > 0 && _cluster.Now < _probeUntil)
        {
            _cluster.Propose(masters[_random.Next(masters.Count)].Id, [_random.Next(32, 401)]);
            Proposed++;
        }

        var noMaster = masters.Count == 0;
        _idleTends = noMaster ? _idleTends + 1 : 0;
        if (noMaster && _idleTends % ElectionRetryTends == 1)
        {
            foreach (var site in up.Where(s => s.Options.Priority > 0))
            {
                _cluster.Command(site.Id, new CallElection());
            }
        }

        _cluster.At(_cluster.Now + SettleInterval, Tend);
    }

    private void ScheduleNext() => _cluster.At(_cluster.Now + _random.NextInt64(SimTime.Ms(1), SimTime.Ms(20)), Act);

    private void Act()
    {
        if (!Running)
        {
            return;
        }

        var masters = _cluster.AllSites.Where(s => s.IsUp && s.Role == RepRole.Master).ToList();
        var roll = _random.NextDouble();
        if (masters.Count > 0)
        {
            var master = masters[_random.Next(masters.Count)];
            if (roll < 0.03)
            {
                _cluster.Checkpoint(master.Id);
                Checkpoints++;
            }
            else
            {
                var lengths = Enumerable.Range(0, _random.Next(1, 5)).Select(_ => _random.Next(32, 401)).ToList();
                _cluster.Propose(master.Id, lengths);
                Proposed++;
            }
        }

        var delayed = _cluster.AllSites.Where(s => s.IsUp && s.Role == RepRole.Client && s.Options.DelayClient).ToList();
        if (delayed.Count > 0 && _random.NextDouble() < 0.02)
        {
            _cluster.Command(delayed[_random.Next(delayed.Count)].Id, new SyncNow());
        }

        if (Running)
        {
            ScheduleNext();
        }
    }

    private void Count(StepRecord step)
    {
        foreach (var action in step.Actions)
        {
            if (action is ReplyProposal reply)
            {
                switch (reply.Outcome)
                {
                    case Replication.Committed:
                        Committed++;
                        break;
                    case AckPolicyNotMet:
                        NotMet++;
                        break;
                    case Replication.NotMaster:
                        NotMaster++;
                        break;
                }
            }
        }
    }
}
