using System.Collections.Concurrent;
using OrleansRep.Client;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Replication;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;
using OrleansRep.Storage;

namespace OrleansRep.Client.Tests.Fakes;

/// <summary>
/// An in-memory twin of a cluster behind the grain interfaces, enforcing the rules the client depends on: only a
/// shard's master takes writes and linearizable reads (others redirect with the master they know, 0 during an
/// election, which is "unavailable"); a replica serves AtLeast reads once it applied the token's commit; a stale
/// replica refuses bounded AnyReplica reads; a down site breaks its connections; an election moves the master, bumps
/// the generation and loses what the new master had not applied (those tokens read as lost). Errors arrive as a remote
/// caller sees them (<see cref="RemoteGrainException"/>). Every call is logged by site.
/// </summary>
internal sealed class FakeCluster : ISiteGateways
{
    private static readonly Comparer<byte[]> KeyOrder = Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b));
    private readonly Lock _lock = new();
    private readonly FakeReplica[,] _replicas;
    private readonly int[] _masters;
    private readonly uint[] _gens;
    private readonly uint[] _lsns;
    private readonly HashSet<(uint Gen, uint Lsn)>[] _lost;
    private readonly List<SiteEvent>[] _events;
    private readonly HashSet<int> _dropped = [];

    public FakeCluster(int sites = 3, int shards = 4)
    {
        Map = new ShardMap(shards);
        SiteCount = sites;
        _replicas = new FakeReplica[sites + 1, shards];
        for (var site = 1; site <= sites; site++)
        {
            for (var shard = 0; shard < shards; shard++)
            {
                _replicas[site, shard] = new FakeReplica(KeyOrder);
            }
        }

        _masters = [.. Enumerable.Range(0, shards).Select(s => s % sites + 1)];
        _gens = [.. Enumerable.Repeat(1u, shards)];
        _lsns = new uint[shards];
        _lost = [.. Enumerable.Range(0, shards).Select(_ => new HashSet<(uint, uint)>())];
        _events = [.. Enumerable.Range(0, sites + 1).Select(_ => new List<SiteEvent>())];
        Down = new bool[sites + 1];
        Stale = new bool[sites + 1];
        HeldBack = new bool[sites + 1];
        Hung = new bool[sites + 1];
        ConnectHangs = new bool[sites + 1];
    }

    public ShardMap Map { get; }

    public int SiteCount { get; }

    /// <summary>Sites whose process is gone: connections break, reconnects fail.</summary>
    public bool[] Down { get; }

    /// <summary>Sites whose process is stopped (SIGSTOP): calls to them never answer.</summary>
    public bool[] Hung { get; }

    /// <summary>Sites whose gateway takes connections but never finishes the handshake (a stopped process after the
    /// client dropped its connection): connecting to them never completes.</summary>
    public bool[] ConnectHangs { get; }

    /// <summary>Sites that have not heard from their masters lately: bounded AnyReplica reads are refused.</summary>
    public bool[] Stale { get; }

    /// <summary>Sites that apply nothing new until released (a slow link).</summary>
    public bool[] HeldBack { get; }

    /// <summary>(site, method) of every call, in order.</summary>
    public ConcurrentQueue<(int Site, string Method)> Calls { get; } = new();

    public int LostReports { get; private set; }

    IReadOnlyList<int> ISiteGateways.Sites => [.. Enumerable.Range(1, SiteCount)];

    public int MasterOf(int shard)
    {
        lock (_lock)
        {
            return _masters[shard];
        }
    }

    /// <summary>The shard's master is lost and no one is elected yet: every site answers "unavailable".</summary>
    public void BeginElection(int shard)
    {
        lock (_lock)
        {
            _masters[shard] = 0;
        }
    }

    /// <summary><paramref name="site"/> wins: a new generation; its data is the shard's, later commits elsewhere are lost.</summary>
    public void Elect(int shard, int site)
    {
        lock (_lock)
        {
            var winner = _replicas[site, shard];
            _gens[shard]++;
            _masters[shard] = site;
            foreach (var pending in winner.Pending.Select(p => p.Lsn))
            {
                _lost[shard].Add((_gens[shard] - 1, pending));
            }

            for (var s = 1; s <= SiteCount; s++)
            {
                if (s != site)
                {
                    _replicas[s, shard].CopyFrom(winner);
                }

                _events[s].Add(new SiteEvent(DateTimeOffset.UnixEpoch.AddSeconds(_events[s].Count), s, shard, s == site ? RepEventKind.Elected : RepEventKind.NewMaster, _gens[shard], site, winner.Applied));
            }

            winner.Pending.Clear();
            _lsns[shard] = (uint)winner.Applied;
        }
    }

    /// <summary>Held-back sites apply what they missed.</summary>
    public void Release(int site)
    {
        lock (_lock)
        {
            HeldBack[site] = false;
            for (var shard = 0; shard < Map.Shards; shard++)
            {
                _replicas[site, shard].ApplyPending();
            }
        }
    }

    public string? Value(int site, string key)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(key);
        lock (_lock)
        {
            return _replicas[site, Map.ShardOf(bytes)].Data.TryGetValue(bytes, out var v) ? System.Text.Encoding.UTF8.GetString(v) : null;
        }
    }

    public string AddressOf(int site) => $"fake-site-{site}:1";

    // A connection made before the site went down breaks on its next call; once reported lost, reconnecting fails.
    public ValueTask<IGrainFactory?> TryGetAsync(int site, CancellationToken cancellationToken) =>
        site >= 1 && site <= SiteCount && ConnectHangs[site]
            ? new ValueTask<IGrainFactory?>(new TaskCompletionSource<IGrainFactory?>().Task.WaitAsync(cancellationToken))
            : ValueTask.FromResult<IGrainFactory?>(site >= 1 && site <= SiteCount && !(Down[site] && _dropped.Contains(site)) ? new FakeSiteFactory(this, site) : null);

    public ValueTask<int> ConnectAllAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Down.Skip(1).Count(d => !d));

    public void Lost(int site)
    {
        lock (_lock)
        {
            LostReports++;
            _dropped.Add(site);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public byte[] Write(int shard, int site, IReadOnlyList<BatchOperation> operations, AckPolicy durability)
    {
        lock (_lock)
        {
            CheckCall(site, "write");
            if (_masters[shard] != site)
            {
                throw Remote(_masters[shard] == 0 ? new ShardUnavailableException($"shard {shard}: election under way") : new NotMasterException(shard, site, _masters[shard]));
            }

            if (operations.Any(o => Map.ShardOf(o.Key) != shard))
            {
                throw new ArgumentException("a key of another shard");
            }

            var lsn = ++_lsns[shard];
            var token = new CommitToken(_gens[shard], new SiteId(site), new Lsn(1, lsn));
            var acks = 0;
            for (var s = 1; s <= SiteCount; s++)
            {
                var replica = _replicas[s, shard];
                replica.Pending.Add((lsn, operations));
                if (s == site || (!Down[s] && !HeldBack[s]))
                {
                    replica.ApplyPending();
                    acks++;
                }
            }

            if (durability == AckPolicy.All && acks < SiteCount)
            {
                throw Remote(new DurabilityNotMetException(token, acks, SiteCount));
            }

            return CommitTokens.ToBytes(token);
        }
    }

    public FakeReplica ReplicaForRead(int shard, int site, ReadConsistency consistency, long maxStalenessMs, byte[]? token)
    {
        lock (_lock)
        {
            CheckCall(site, "read");
            var replica = _replicas[site, shard];
            switch (consistency)
            {
                case ReadConsistency.Linearizable when _masters[shard] != site:
                    throw Remote(_masters[shard] == 0 ? new ShardUnavailableException("election under way") : new NotMasterException(shard, site, _masters[shard]));
                case ReadConsistency.AnyReplica when Stale[site] && maxStalenessMs > 0:
                    throw Remote(new ShardUnavailableException($"site {site} is too stale"));
                case ReadConsistency.AtLeast:
                    var t = CommitToken.ReadFrom(token);
                    if (_lost[shard].Contains((t.Gen, t.Lsn.Offset)))
                    {
                        throw Remote(new CommitTokenLostException($"commit {t} was rolled back"));
                    }

                    if (replica.Applied < t.Lsn.Offset)
                    {
                        throw Remote(new ShardUnavailableException($"site {site} has not applied {t} yet"));
                    }

                    break;
            }

            return replica.Snapshot();
        }
    }

    public ReplicaStatus Status(int shard, int site)
    {
        lock (_lock)
        {
            CheckCall(site, "status");
            var role = _masters[shard] == site ? RepRole.Master : RepRole.Client;
            return new ReplicaStatus(shard, site, role, _gens[shard], _gens[shard], _masters[shard], new Lsn(1, (uint)_replicas[site, shard].Applied).ToUInt64(), role == RepRole.Master ? 0 : 7, role == RepRole.Master, []);
        }
    }

    public IReadOnlyList<SiteEvent> Events(int site)
    {
        lock (_lock)
        {
            CheckCall(site, "events");
            return [.. _events[site]];
        }
    }

    public void AddEvent(int site, int shard, RepEventKind kind)
    {
        lock (_lock)
        {
            _events[site].Add(new SiteEvent(DateTimeOffset.UnixEpoch.AddSeconds(_events[site].Count), site, shard, kind, _gens[shard], 0, 0));
        }
    }

    private void CheckCall(int site, string method)
    {
        Calls.Enqueue((site, method));
        if (Down[site])
        {
            throw new ConnectionClosedException($"site {site} is down");
        }
    }

    private static RemoteGrainException Remote(Exception e) => new(e.GetType().FullName!, e.Message);
}
