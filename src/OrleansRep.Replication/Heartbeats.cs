using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Messages;
using OrleansRep.Storage;

namespace OrleansRep.Replication;

/// <summary>
/// Heartbeats (reference section 6, repmgr's HEARTBEAT_SEND / HEARTBEAT_MONITOR, both off by default): a master
/// broadcasts one when it has broadcast nothing for <see cref="ReplicationOptions.HeartbeatSend"/>; a client that hears
/// nothing from its master for <see cref="ReplicationOptions.HeartbeatMonitor"/> considers it failed.
/// </summary>
internal sealed class Heartbeats(NodeContext ctx, Roles roles)
{
    private readonly NodeContext _ctx = ctx;
    private readonly Roles _roles = roles;

    /// <summary>When this client last heard from its master (or started waiting to).</summary>
    private long _lastHeardFromMaster;

    /// <summary>Start counting silence from now (a master was learned, or the client (re)started).</summary>
    public void Restart() => _lastHeardFromMaster = _ctx.Now;

    /// <summary>Any message from the master shows it is alive.</summary>
    public void Heard(RepMessage message)
    {
        if (!_ctx.Master.IsNone && message.From == _ctx.Master)
        {
            _lastHeardFromMaster = _ctx.Now;
        }
    }

    /// <summary>On the master: broadcast a heartbeat (gen in the header, the max PERM LSN as its LSN) if the group
    /// heard nothing from it for the send interval.</summary>
    public void SendIfQuiet()
    {
        var interval = NodeContext.Micros(_ctx.Options.HeartbeatSend);
        if (!_ctx.IsMaster || interval <= 0 || _ctx.Now - _ctx.LastBroadcastAt < interval)
        {
            return;
        }

        var maxPerm = _ctx.Store.LastPermBefore(_ctx.Store.LogEnd)?.Lsn ?? Lsn.Zero;
        var heartbeat = _ctx.NewMessage(RepMessageType.Heartbeat, maxPerm, null, RepControl.None);
        // With leases the heartbeat also asks for fresh grants (Berkeley DB's __rep_lease_refresh): an idle master
        // keeps its lease, so its linearizable reads need no write first.
        _ctx.Emit(new Send(Destination.Broadcast, _ctx.Options.Leases ? heartbeat with { LeaseTime = _ctx.Now } : heartbeat));
    }

    /// <summary>On a client with monitoring on: if its master has been silent too long, forget it and raise
    /// MASTER_FAILURE. True when it did (the caller holds a fast election).</summary>
    public bool DeclareMasterFailed()
    {
        var limit = NodeContext.Micros(_ctx.Options.HeartbeatMonitor);
        if (limit <= 0 || _ctx.Role != RepRole.Client || _ctx.Master.IsNone || _ctx.Now - _lastHeardFromMaster < limit)
        {
            return false;
        }

        ForgetMaster();
        return true;
    }

    /// <summary>The client's master is gone (silent too long, or its connection was lost): forget it and raise
    /// MASTER_FAILURE.</summary>
    public void ForgetMaster()
    {
        var lost = _ctx.Master;
        _ctx.Persist(s => s with { Master = SiteId.None });
        _ctx.Raise(RepEventKind.MasterFailure, lost);
    }

    /// <summary>A heartbeat of this site's generation. Only masters send them: at a master it reveals a duplicate;
    /// from a client's master it prompts a gap re-request; from another site, to a client without a master, it
    /// shows whom to ask.</summary>
    public void OnHeartbeat(RepMessage message)
    {
        if (_ctx.IsMaster)
        {
            _roles.CheckNotDuplicateMaster(message);
            return;
        }

        if (_ctx.Role != RepRole.Client)
        {
            return;
        }

        if (message.From == _ctx.Master)
        {
            _roles.Applier.OnHeartbeat(message);
        }
        else if (_ctx.Master.IsNone)
        {
            _ctx.Send(Destination.To(message.From), RepMessageType.MasterReq, _ctx.Store.LogEnd);
        }
    }
}
