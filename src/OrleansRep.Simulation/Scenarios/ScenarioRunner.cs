using System.Globalization;
using OrleansRep.Replication;
using OrleansRep.Replication.Inputs;
using OrleansRep.Replication.Messages;
using OrleansRep.Simulation.Cluster;
using OrleansRep.Simulation.Invariants;
using OrleansRep.Simulation.Network;
using OrleansRep.Storage;

namespace OrleansRep.Simulation.Scenarios;

/// <summary>
/// Runs a <see cref="ScenarioScript"/> on a <see cref="SimCluster"/> whose messages move only when the script says
/// (<c>deliver</c>, <c>run</c>), and collects each command's output: what every site step received and did (see
/// <see cref="TraceFormatter"/>) and what the command itself reports. Time starts at 0 and moves only with
/// <c>tick</c> and <c>run</c>; every site ticks every 10 ms unless <c>sites ... tick</c> says otherwise; clocks do not
/// drift; the network is perfect (0.5 ms) unless faults are asked for; the standard invariant checkers run after
/// every step, and a violation is part of the output.
/// <para>Commands:</para>
/// <list type="bullet">
/// <item><c>sites N [priorities P1 .. PN] [ack POLICY] [tick DUR] [disk DUR] [bulk] [leases DUR] [delay-client]
/// [no-2site-strict] [no-autoinit] [no-autorollback] [no-elections] [heartbeat SEND MONITOR] [election-timeout DUR]
/// [file BYTES] [anywhere-to-peers]</c>: the group (first command); anywhere-to-peers delivers every ANYWHERE request
/// (not a re-request) to another client instead of the master, as repmgr does with peers.</item>
/// <item><c>start S master|client|election</c>; <c>restart S [client|election]</c>; <c>crash S</c>.</item>
/// <item><c>propose S [N]</c>: N transactions (a 64-byte data record and a 48-byte commit) on site S;
/// <c>checkpoint S</c>; <c>newfile S</c>; <c>archive S FILE</c> (S drops its log files before FILE).</item>
/// <item><c>deliver</c> (until nothing is in flight), <c>deliver A->B</c> (what is in flight on that link now),
/// <c>drop A->B</c>, <c>drop all</c>; <c>partition 1 2 | 3</c>, <c>cut A->B</c>, <c>heal</c>;
/// <c>send A->B TYPE [gen G] [lsn F/O]</c> (a bare message, as if A had sent it).</item>
/// <item><c>tick DUR</c> (time passes, messages wait), <c>run DUR</c> (time passes and messages are delivered when
/// due).</item>
/// <item><c>elect S [NSITES NVOTES]</c>, <c>promote S fast|checkpoint</c>, <c>sync S</c>, <c>priority S P</c>.</item>
/// <item><c>append S N</c> (N records on S's disk, not durable), <c>flush S</c>, <c>disk S DUR</c> (flush latency).</item>
/// <item><c>log S</c>, <c>status</c>, <c>inflight</c>: what is there now.</item>
/// <item><c>hide TYPE ..</c> / <c>show TYPE ..</c>: leave the sends and receipts of those message types (e.g.
/// HEARTBEAT) out of the trace from now on, or put them back; only the trace is filtered, never the run.</item>
/// </list>
/// </summary>
public sealed class ScenarioRunner
{
    private readonly List<string> _output = [];
    private readonly HashSet<string> _hidden = new(StringComparer.Ordinal);
    private SimCluster? _cluster;
    private string _script = "";
    private int _line;

    public static ScenarioResult Run(ScenarioScript script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var runner = new ScenarioRunner { _script = script.Name };
        var outputs = new List<IReadOnlyList<string>>();
        foreach (var block in script.Blocks)
        {
            runner._line = block.Line;
            outputs.Add(runner.Execute(block.Command));
        }

        return new ScenarioResult(script, outputs);
    }

    private SimCluster Cluster => _cluster ?? throw Error("the first command must be 'sites'");

    private List<string> Execute(string command)
    {
        _output.Clear();
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        try
        {
            Dispatch(words);
            if (_cluster is not null)
            {
                _cluster.RunUntil(_cluster.Now);
            }
        }
        catch (InvariantViolationException e)
        {
            _output.Add($"VIOLATION {e.Message}");
        }

        return [.. _output];
    }

    private void Dispatch(string[] w)
    {
        if (w[0] is "start" or "propose" or "checkpoint" or "newfile" or "elect" or "promote" or "sync" or "priority" && !Cluster[Site(w, 1)].IsUp)
        {
            _output.Add($"{Site(w, 1)} is down: '{w[0]}' not done");
            return;
        }

        switch (w[0])
        {
            case "sites":
                Sites(w);
                break;
            case "start":
                Cluster.Start(Site(w, 1), StartRole(Arg(w, 2)));
                break;
            case "restart":
                Cluster.Restart(Site(w, 1), w.Length > 2 ? StartRole(w[2]) : RepStartRole.Client);
                break;
            case "crash":
                var victim = Site(w, 1);
                Cluster.Crash(victim);
                _output.Add($"{victim} crashed: log ends at {Cluster[victim].Store.LogEnd} ({Cluster[victim].Store.Records.Count} records)");
                break;
            case "propose":
                var proposer = Site(w, 1);
                for (var i = 0; i < (w.Length > 2 ? Number(w, 2) : 1); i++)
                {
                    Cluster.Propose(proposer, [64, 48]);
                }

                break;
            case "checkpoint":
                Cluster.Checkpoint(Site(w, 1));
                break;
            case "newfile":
                Cluster.NewFile(Site(w, 1));
                break;
            case "archive":
                var archiving = Site(w, 1);
                Cluster[archiving].Store.ArchiveBefore((uint)Number(w, 2));
                _output.Add($"{archiving} log now starts at {Cluster[archiving].Store.First}");
                break;
            case "deliver":
                Deliver(w);
                break;
            case "drop":
                Drop(w);
                break;
            case "partition":
                Partition(w);
                break;
            case "cut":
                var (cutFrom, cutTo) = Link(w, 1);
                Cluster.Note($"cut {cutFrom}->{cutTo}"); // before the connection events the cut causes
                Cluster.Network.CutOneWay(cutFrom, cutTo);
                break;
            case "heal":
                Cluster.Network.Heal();
                break;
            case "send":
                Send(w);
                break;
            case "tick":
                Cluster.RunUntil(Cluster.Now + Duration(w, 1));
                break;
            case "run":
                Cluster.AutoDeliver = true;
                try
                {
                    Cluster.RunUntil(Cluster.Now + Duration(w, 1));
                }
                finally
                {
                    Cluster.AutoDeliver = false;
                }

                break;
            case "elect":
                Cluster.Command(Site(w, 1), w.Length > 3 ? new CallElection(Number(w, 2), Number(w, 3)) : new CallElection());
                break;
            case "promote":
                Cluster.Command(Site(w, 1), new Promote(Arg(w, 2) switch
                {
                    "fast" => PromotionMode.Fast,
                    "checkpoint" => PromotionMode.CheckpointFirst,
                    var other => throw Error($"promotion is fast or checkpoint, not {other}"),
                }));
                break;
            case "stepdown":
                Cluster.Command(Site(w, 1), new StepDown());
                break;
            case "sync":
                Cluster.Command(Site(w, 1), new SyncNow());
                break;
            case "priority":
                Cluster.Command(Site(w, 1), new SetPriority(Number(w, 2)));
                break;
            case "append":
                var appender = Site(w, 1);
                var added = Cluster.AppendRaw(appender, Number(w, 2));
                _output.Add($"{appender} disk has {added.Count} more records, log ends at {Cluster[appender].Store.LogEnd}, durable to {Cluster[appender].Store.Durable}");
                break;
            case "flush":
                Cluster.Flush(Site(w, 1));
                break;
            case "disk":
                Cluster[Site(w, 1)].DiskLatency = Duration(w, 2);
                break;
            case "log":
                Log(Site(w, 1));
                break;
            case "status":
                Status();
                break;
            case "hide":
            case "show":
                Hide(w);
                break;
            case "inflight":
                foreach (var m in Cluster.Network.Pending)
                {
                    _output.Add($"{m.From}->{m.To} {TraceFormatter.Message(m.Message)}");
                }

                break;
            default:
                throw Error($"unknown command '{w[0]}'");
        }
    }

    private void Sites(string[] w)
    {
        if (_cluster is not null)
        {
            throw Error("'sites' comes once, first");
        }

        var n = Number(w, 1);
        var priorities = Enumerable.Repeat(100, n).ToArray();
        var options = new ReplicationOptions();
        long tick = SimTime.Ms(10), disk = 0;
        uint fileBytes = SimCluster.DefaultFileBytes;
        var network = NetworkFaults.Perfect;
        for (var i = 2; i < w.Length; i++)
        {
            switch (w[i])
            {
                case "priorities":
                    for (var s = 0; s < n; s++)
                    {
                        priorities[s] = Number(w, ++i);
                    }

                    break;
                case "ack":
                    options = options with { AckPolicy = Enum.TryParse<AckPolicy>(Arg(w, ++i).Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var p) ? p : throw Error($"no ack policy {w[i]}") };
                    break;
                case "tick":
                    tick = Duration(w, ++i);
                    break;
                case "disk":
                    disk = Duration(w, ++i);
                    break;
                case "bulk":
                    options = options with { Bulk = true };
                    break;
                case "leases":
                    options = options with { Leases = true, LeaseTimeout = TimeSpan.FromMicroseconds(Duration(w, ++i)) };
                    break;
                case "delay-client":
                    options = options with { DelayClient = true };
                    break;
                case "no-2site-strict":
                    options = options with { TwoSiteStrict = false };
                    break;
                case "no-autoinit":
                    options = options with { AutoInit = false };
                    break;
                case "no-autorollback":
                    options = options with { AutoRollback = false };
                    break;
                case "no-elections":
                    options = options with { Elections = false };
                    break;
                case "heartbeat":
                    options = options with
                    {
                        HeartbeatSend = TimeSpan.FromMicroseconds(Duration(w, ++i)),
                        HeartbeatMonitor = TimeSpan.FromMicroseconds(Duration(w, ++i)),
                    };
                    break;
                case "election-timeout":
                    options = options with { ElectionTimeout = TimeSpan.FromMicroseconds(Duration(w, ++i)) };
                    break;
                case "file":
                    fileBytes = (uint)Number(w, ++i);
                    break;
                case "anywhere-to-peers":
                    network = network with { AnywhereRedirectRate = 1 };
                    break;
                default:
                    throw Error($"unknown sites option '{w[i]}'");
            }
        }

        var setups = Enumerable.Range(1, n).Select(i => new SiteSetup(new SiteId(i), options with { Priority = priorities[i - 1] }, tick, disk)).ToList();
        _cluster = new SimCluster(setups, new Random(1), network) { AutoDeliver = false, FileBytes = fileBytes };
        foreach (var checker in Runs.Simulator.StandardCheckers())
        {
            _cluster.AddChecker(checker);
        }

        _cluster.Stepped += step => _output.AddRange(TraceFormatter.Lines(step).Where(line => !IsHidden(line)));
        _cluster.Noted += (_, text) => _output.Add(text);
        _output.Add($"{n} sites: {string.Join(", ", setups.Select(s => $"{s.Id} prio {s.Options.Priority}"))}; ack {options.AckPolicy}");
    }

    private void Deliver(string[] w)
    {
        if (w.Length == 1)
        {
            var budget = 100_000;
            while (Cluster.DeliverNext())
            {
                if (--budget == 0)
                {
                    throw Error("deliver: still messages in flight after 100000 deliveries");
                }
            }

            return;
        }

        var (from, to) = Link(w, 1);
        var batch = Cluster.Network.TakeWhere(m => m.From == from && m.To == to);
        foreach (var m in batch)
        {
            if (Cluster[to].IsUp)
            {
                Cluster.StepSite(Cluster[to], new MessageReceived(m.Message, m.Flags));
            }
        }

        if (batch.Count == 0)
        {
            _output.Add($"nothing in flight {from}->{to}");
        }
    }

    private void Drop(string[] w)
    {
        var dropped = Arg(w, 1) == "all"
            ? Cluster.Network.DropWhere(_ => true)
            : Cluster.Network.DropWhere(m => (m.From, m.To) == Link(w, 1));
        foreach (var m in dropped)
        {
            _output.Add($"dropped {m.From}->{m.To} {TraceFormatter.Message(m.Message)}");
        }

        if (dropped.Count == 0)
        {
            _output.Add("nothing to drop");
        }
    }

    private void Partition(string[] w)
    {
        var groups = new List<IReadOnlyCollection<SiteId>> { new List<SiteId>() };
        for (var i = 1; i < w.Length; i++)
        {
            if (w[i] == "|")
            {
                groups.Add(new List<SiteId>());
            }
            else
            {
                ((List<SiteId>)groups[^1]).Add(Site(w, i));
            }
        }

        if (groups.Count < 2 || groups.Any(g => g.Count == 0))
        {
            throw Error("partition needs groups separated by '|', e.g. 'partition 1 | 2 3'");
        }

        Cluster.Note($"partition {string.Join(" | ", groups.Select(g => string.Join(' ', g)))}"); // before its connection events
        Cluster.Network.Partition(groups);
    }

    private void Send(string[] w)
    {
        var (from, to) = Link(w, 1);
        var type = Enum.TryParse<RepMessageType>(Arg(w, 2).Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var t) ? t : throw Error($"no message type {w[2]}");
        uint gen = 0;
        var lsn = Lsn.Zero;
        for (var i = 3; i < w.Length; i++)
        {
            switch (w[i])
            {
                case "gen":
                    gen = (uint)Number(w, ++i);
                    break;
                case "lsn":
                    lsn = Lsn.TryParse(Arg(w, ++i), out var l) ? l : throw Error($"bad lsn {w[i]}");
                    break;
                default:
                    throw Error($"unknown send option '{w[i]}'");
            }
        }

        var queued = Cluster.Network.Send(Cluster.Now, from, Destination.To(to), new RepMessage(type, from, gen, lsn), SendOptions.None);
        foreach (var m in queued)
        {
            _output.Add($"in flight {m.From}->{m.To} {TraceFormatter.Message(m.Message)}");
        }

        if (queued.Count == 0)
        {
            _output.Add($"lost {from}->{to} (link cut)");
        }
    }

    private void Hide(string[] w)
    {
        _ = Arg(w, 1);
        foreach (var name in w.Skip(1))
        {
            var type = Enum.TryParse<RepMessageType>(name.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var t) ? t : throw Error($"no message type {name}");
            var shown = type.ToString().ToUpperInvariant();
            _ = w[0] == "hide" ? _hidden.Add(shown) : _hidden.Remove(shown);
        }

        _output.Add(_hidden.Count == 0 ? "every message shown" : $"not shown: sends and receipts of {string.Join(", ", _hidden.Order(StringComparer.Ordinal))}");
    }

    /// <summary>A trace line "siteN send|recv TYPE ..." of a hidden type.</summary>
    private bool IsHidden(string line)
    {
        if (_hidden.Count == 0)
        {
            return false;
        }

        var words = line.Split(' ', 4);
        return words.Length >= 3 && words[1] is "send" or "recv" && _hidden.Contains(words[2]);
    }

    private void Log(SiteId id)
    {
        var store = Cluster[id].Store;
        _output.Add($"{id} log {store.First}..{store.LogEnd} durable to {store.Durable}, {store.ParkedCount} parked");
        foreach (var r in store.Records)
        {
            _output.Add($"  {r}");
        }
    }

    private void Status()
    {
        foreach (var s in Cluster.AllSites)
        {
            _output.Add(s.IsUp
                ? $"{s.Id} {s.Role.ToString().ToLowerInvariant()} gen {s.Gen} egen {s.Egen} master {s.Master} log to {s.Store.LogEnd} durable {s.Store.Durable}"
                : $"{s.Id} down, log to {s.Store.LogEnd}");
        }
    }

    private (SiteId From, SiteId To) Link(string[] w, int i)
    {
        var parts = Arg(w, i).Split("->");
        if (parts.Length != 2)
        {
            throw Error($"expected a link A->B, not {w[i]}");
        }

        return (SiteOf(parts[0]), SiteOf(parts[1]));
    }

    private SiteId Site(string[] w, int i) => SiteOf(Arg(w, i));

    private SiteId SiteOf(string text)
    {
        var id = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? new SiteId(n) : throw Error($"expected a site number, not {text}");
        return Cluster.Sites.Contains(id) ? id : throw Error($"no site {text}");
    }

    private int Number(string[] w, int i) =>
        int.TryParse(Arg(w, i), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Error($"expected a number, not {w[i]}");

    private long Duration(string[] w, int i) => SimTime.TryParse(Arg(w, i), out var d) ? d : throw Error($"expected a duration (250us, 40ms, 2s), not {w[i]}");

    private RepStartRole StartRole(string text) => text switch
    {
        "master" => RepStartRole.Master,
        "client" => RepStartRole.Client,
        "election" => RepStartRole.Election,
        _ => throw Error($"a site starts as master, client or election, not {text}"),
    };

    private string Arg(string[] w, int i) => i < w.Length ? w[i] : throw Error($"'{w[0]}' needs more arguments");

    private ScenarioException Error(string message) => new(_script, _line, message);
}
