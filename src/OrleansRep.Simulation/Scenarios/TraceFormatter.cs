using System.Globalization;
using OrleansRep.Replication;
using OrleansRep.Replication.Actions;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Simulation.Cluster;

namespace OrleansRep.Simulation.Scenarios;

/// <summary>
/// The lines a scenario's expected trace is made of: one per message received and one per action (sends, events,
/// appends, truncations, persisted state, replies, flushes, parking, init and checkpoint work), each starting with the
/// site it happened on. Ticks are not shown themselves, only what they caused; durability reports are ("durable to").
/// </summary>
public static class TraceFormatter
{
    public static IEnumerable<string> Lines(StepRecord step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var site = step.Site.ToString();
        switch (step.Input)
        {
            case MessageReceived received:
                yield return $"{site} recv {Message(received.Message)}{Flags(received.Flags)}";
                break;
            case Command command:
                yield return $"{site} command {Command(command.What)}";
                break;
            case LocalCommit commit:
                yield return commit.Records.Count == 0
                    ? $"{site} propose #{commit.ProposalId} (no records: not master)"
                    : $"{site} propose #{commit.ProposalId} {Range(commit.Records)}";
                break;
            case LocalNewFile newFile:
                yield return $"{site} new file after {newFile.EndOfPrevious}";
                break;
            case LogDurable durable:
                yield return $"{site} durable to {durable.Lsn}";
                break;
            case Completed completed:
                yield return $"{site} completed #{completed.ActionId}{(completed.Succeeded ? "" : " failed")}";
                break;
            case PeerConnected connected:
                yield return $"{site} connected to {connected.Peer}";
                break;
            case PeerDisconnected disconnected:
                yield return $"{site} disconnected from {disconnected.Peer}";
                break;
        }

        foreach (var action in step.Actions)
        {
            yield return $"{site} {Action(action)}";
        }
    }

    public static string Action(RepAction action) => action switch
    {
        Send s => $"send {Message(s.Message)} to {s.To}{Flags(s.Flags)}",
        EmitEvent e => $"event {Event(e.Event)}",
        AppendRecords a => $"append {Range(a.Records)}",
        StartLogFile f => $"start file {f.File}",
        FlushLog => "flush",
        TruncateLog t => $"truncate to {t.To}{(t.CommitsLost.Count == 0 ? "" : $" losing commits {string.Join(' ', t.CommitsLost)}")}",
        ParkRecord p => $"park {p.Record}",
        UnparkRecord u => $"unpark {u.Lsn}",
        ClearParked => "clear parked",
        PersistState p => $"persist role {p.State.Role} gen {p.State.Gen} egen {p.State.Egen} master {p.State.Master}{(p.State.VotedEgen == 0 ? "" : $" voted {p.State.VotedEgen}")}{(p.State.InitSnapshotId == 0 ? "" : $" init {p.State.InitSnapshotId}")}",
        Checkpoint c => $"checkpoint #{c.ActionId}",
        PrepareSnapshot p => $"prepare snapshot {p.SnapshotId} #{p.ActionId}",
        BeginInternalInit b => $"begin internal init {b.SnapshotId} from {b.FirstLsn}",
        StoreSnapshotChunk c => $"store chunk {c.Index} of snapshot {c.SnapshotId} ({c.Data.Length}B) #{c.ActionId}",
        FinishInternalInit f => $"finish internal init {f.SnapshotId}",
        ReplyProposal r => $"reply #{r.ProposalId} {Outcome(r.Outcome)}",
        _ => action.ToString(),
    };

    public static string Message(RepMessage m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var control = m.Control & ~RepControl.GroupEstablished;
        return $"{Upper(m.Type.ToString())} from {m.From} gen {m.Gen} lsn {m.Lsn}{(control == RepControl.None ? "" : " " + control)}{Payload(m.Payload)}";
    }

    public static string Event(RepEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return $"{Upper(e.Kind.ToString())} gen {e.Gen}{(e.Site.IsNone ? "" : " " + e.Site)}{(e.Lsn.IsZero ? "" : " " + e.Lsn)}{(e.Commits is { Count: > 0 } c ? $" commits {string.Join(' ', c)}" : "")}";
    }

    private static string Payload(RepPayload? payload) => payload switch
    {
        null => "",
        RecordPayload r => $" {r.Record}",
        BulkPayload b => $" bulk {Range(b.Records)}",
        RangePayload r => $" to {r.End}",
        VotePayload v => string.Create(CultureInfo.InvariantCulture,
            $" egen {v.Egen} nsites {v.Nsites} nvotes {v.Nvotes} prio {v.Priority}{(v.Electable ? "" : " unelectable")} datagen {v.DataGen} last {v.LastCommit}{(v.FullElection ? " full" : "")}{(v.Appointed ? " appointed" : "")}"),
        AlivePayload a => $" egen {a.Egen}",
        SitePayload s => $" {s.Site.Id} prio {s.Site.Priority}",
        MembershipPayload m => $" v{m.Version} [{string.Join(' ', m.Sites.Select(s => $"{s.Id}:{s.Priority}"))}]",
        UpdatePayload u => $" first {u.FirstLsn} snapshot {u.SnapshotId} chunks {u.Chunks}",
        ChunkPayload c => $" chunk {c.Index}/{c.Count} of {c.SnapshotId} ({c.Data.Length}B)",
        ChunkRequestPayload c => $" chunk {c.Index} of {c.SnapshotId}",
        LeasePayload l => $" at {l.MasterTime}",
        _ => " " + payload,
    };

    private static string Outcome(ProposalOutcome outcome) => outcome switch
    {
        Committed c => $"committed {c.Token}",
        AckPolicyNotMet n => $"ack policy not met {n.Token} ({n.Acks}/{n.Needed} acks)",
        NotMaster n => $"not master (master {n.Master})",
        _ => outcome.ToString(),
    };

    private static string Command(RepCommand command) => command switch
    {
        StartReplication s => $"start {s.Role.ToString().ToLowerInvariant()}",
        CallElection e => e.Nsites == 0 && e.Nvotes == 0 ? "elect" : $"elect nsites {e.Nsites} nvotes {e.Nvotes}",
        Promote p => $"promote {p.Mode.ToString().ToLowerInvariant()}{(p.SteppedDown.IsNone ? "" : $" stepped down {p.SteppedDown}")}",
        StepDown => "stepdown",
        SyncNow => "sync",
        SetPriority p => $"priority {p.Priority}",
        AddSite a => $"add {a.Site.Id}",
        RemoveSite r => $"remove {r.Site}",
        _ => command.ToString(),
    };

    private static string Range(IReadOnlyList<LogRecordView> records) => records.Count switch
    {
        0 => "nothing",
        1 => records[0].ToString(),
        _ => $"{records.Count} records {records[0].Lsn}..{records[^1].Lsn}",
    };

    private static string Flags(SendOptions flags) => flags == SendOptions.None ? "" : $" ({flags})";

    private static string Upper(string name) => name.ToUpperInvariant();
}
