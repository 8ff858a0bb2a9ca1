using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Simulation.Cluster;

namespace OrleansRep.Simulation.Runs;

/// <summary>
/// The application side of a run (the workload stream): transactions of 1-4 records (the last a commit) proposed every
/// few milliseconds on whichever site is master (a random one of them if several believe so), an occasional
/// checkpoint, and for delayed clients an occasional <see cref="SyncNow"/>. Counts what it proposed and what came back.
/// </summary>
public sealed class Workload
{
    private readonly SimCluster _cluster;
    private readonly Random _random;

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
