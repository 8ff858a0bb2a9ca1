using System.Collections.Frozen;
using System.Diagnostics;
using System.Net;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Placement;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Runtime.Testing;

/// <summary>
/// N silos in one process on loopback with real sockets (Orleans' <c>TestCluster</c>): each silo has its own endpoint
/// (port 0 at first start), generation and site; silo 0 starts the cluster and the others join through it.
/// <see cref="GrainFactory"/> is a cluster client that places calls like a silo, over its own connections.
/// Kill a silo abruptly, restart it on the same endpoint with a new generation, and wait for the views to agree.
/// <para>Partition two silos (<see cref="PartitionAsync"/>) and heal them: calls between them are lost both ways, or
/// one way, like an iptables DROP but per call (see <see cref="ILinkFilter"/>). Silos are cut by slot, so a cut
/// outlives restarts until healed; the cluster client is never cut off. Membership reacts as to a real partition:
/// the majority declares the unreachable silo dead, and after the heal that silo learns it was declared dead and
/// falls silent, as in Orleans; it must be restarted (<see cref="RestartSiloAsync"/>) as a new incarnation.</para>
/// <para>With <see cref="TestClusterOptions.UseInMemoryTransport"/>, silos and the client connect through an
/// <see cref="InMemoryNetwork"/> (see <see cref="Network"/>) instead of sockets.</para>
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly TestClusterOptions _options;
    private readonly SiloHost?[] _live;
    private readonly IPEndPoint[] _endPoints;
    private readonly long[] _generations;
    private readonly List<SiloHost> _killed = [];
    private readonly SiloConnectionPool _clientConnections;
    private readonly SemaphoreSlim _changing = new(1, 1);
    private readonly PlacementDirector _clientPlacement;
    private readonly PartitionTable _partitions;
    private readonly FrozenDictionary<string, int> _slotsByName;
    private GrainFactory? _grainFactory;

    private TestCluster(TestClusterOptions options)
    {
        _options = options;
        _partitions = new PartitionTable(options.SiloCount);
        _slotsByName = Enumerable.Range(0, options.SiloCount).ToFrozenDictionary(SiloName, i => i, StringComparer.Ordinal);
        _live = new SiloHost?[options.SiloCount];
        _endPoints = new IPEndPoint[options.SiloCount];
        _generations = new long[options.SiloCount];
        _clientPlacement = new PlacementDirector(Sites);
        Network = options.UseInMemoryTransport ? new InMemoryNetwork() : null;
        var clientOptions = new TransportClientOptions { ClusterSecret = options.ClusterSecret, ClientId = "test-client", Roles = options.ClientRoles, Network = Network };
        _clientConnections = new SiloConnectionPool(clientOptions, options.Membership.MaxSilos, options.TimeProvider);
    }

    /// <summary>Which site each silo serves, shared by every silo and the client.</summary>
    public SiteDirectory Sites { get; } = new();

    /// <summary>The network the silos listen on with <see cref="TestClusterOptions.UseInMemoryTransport"/> (null with TCP):
    /// set it as a <see cref="Remote.GrainClientOptions.Network"/> to connect a client of your own.</summary>
    public InMemoryNetwork? Network { get; }

    /// <summary>The cluster secret, for connecting a <see cref="Remote.GrainClient"/> or a raw transport client to a silo.</summary>
    public byte[] ClusterSecret => _options.ClusterSecret;

    /// <summary>The number of silo slots (alive or killed).</summary>
    public int SiloCount => _live.Length;

    /// <summary>A cluster client: its calls are placed on the view of a live silo and sent to the chosen silo.</summary>
    public IGrainFactory GrainFactory => _grainFactory ?? throw new InvalidOperationException("the cluster has not started");

    /// <summary>The live silo in slot <paramref name="index"/>.</summary>
    /// <exception cref="InvalidOperationException">The silo is killed.</exception>
    public SiloHost Silo(int index) =>
        _live[CheckIndex(index)] ?? throw new InvalidOperationException($"silo {index} is killed; restart it first");

    /// <summary>True if slot <paramref name="index"/> holds a running silo.</summary>
    public bool IsAlive(int index) => _live[CheckIndex(index)] is not null;

    /// <summary>The running silos.</summary>
    public IReadOnlyList<SiloHost> LiveSilos => [.. _live.OfType<SiloHost>()];

    /// <summary>Starts the silos one after another and waits until every one sees all of them active.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public static async Task<TestCluster> StartAsync(TestClusterOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var cluster = new TestCluster(options);
        try
        {
            for (int i = 0; i < options.SiloCount; i++)
            {
                IPEndPoint[] seeds = i == 0 ? [] : [cluster._endPoints[0]];
                await cluster.StartSiloAsync(i, new IPEndPoint(IPAddress.Loopback, 0), seeds, cancellationToken).ConfigureAwait(false);
            }

            SiloHost first = cluster._live[0]!;
            var invoker = new ClusterGrainCallInvoker(cluster._clientPlacement, cluster.CurrentView, cluster._clientConnections);
            cluster._grainFactory = new GrainFactory(invoker, first.GrainTypes);
            await cluster.WaitForViewAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Stops silo <paramref name="index"/> gracefully (<see cref="SiloHost.DisposeAsync"/>): it leaves membership,
    /// telling the others, and deactivates its grains. It can be restarted like a killed one.
    /// </summary>
    /// <exception cref="InvalidOperationException">The silo is not running.</exception>
    public async Task StopSiloAsync(int index)
    {
        await _changing.WaitAsync().ConfigureAwait(false);
        try
        {
            SiloHost host = Silo(index);
            _live[index] = null;
            await host.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <summary>
    /// Kills silo <paramref name="index"/> abruptly (<see cref="SiloHost.KillAsync"/>): its endpoint closes and it
    /// says no goodbye, so the others must detect its death. Its grains run no more code.
    /// </summary>
    /// <exception cref="InvalidOperationException">The silo is already killed.</exception>
    public async Task KillSiloAsync(int index)
    {
        await _changing.WaitAsync().ConfigureAwait(false);
        try
        {
            SiloHost host = Silo(index);
            _live[index] = null;
            _killed.Add(host);
            await host.KillAsync().ConfigureAwait(false);
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <summary>
    /// Starts silo <paramref name="index"/> again on its endpoint and site with a newer generation (killing it first if
    /// it runs), joining through the other live silos, and returns it. It never starts a new cluster by itself.
    /// </summary>
    /// <exception cref="MembershipJoinException">No live silo admitted it.</exception>
    public async Task<SiloHost> RestartSiloAsync(int index, CancellationToken cancellationToken = default)
    {
        if (IsAlive(index))
        {
            await KillSiloAsync(index).ConfigureAwait(false);
        }

        await _changing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            IPEndPoint[] seeds = [.. _live.OfType<SiloHost>().Select(h => h.EndPoint)];
            return await StartSiloAsync(index, _endPoints[index], seeds, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <summary>
    /// Cuts the link between silos <paramref name="a"/> and <paramref name="b"/>: calls from each to the other are lost
    /// from now on (only those from <paramref name="a"/> to <paramref name="b"/> when <paramref name="oneWay"/>).
    /// A lost call is never answered: its sender times out, or, for a grain call it knows it cannot send, fails at once
    /// with <see cref="SiloUnavailableException"/>. Calls already delivered still complete. Cutting a cut link is a no-op.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A slot is out of range.</exception>
    /// <exception cref="ArgumentException">The two slots are the same (a silo always reaches itself).</exception>
    public Task PartitionAsync(int a, int b, bool oneWay = false, CancellationToken cancellationToken = default) =>
        SetLinksAsync(a, b, oneWay, cut: true, cancellationToken);

    /// <summary>
    /// Restores the link between silos <paramref name="a"/> and <paramref name="b"/> (only the direction from
    /// <paramref name="a"/> to <paramref name="b"/> when <paramref name="oneWay"/>). Calls lost meanwhile stay lost.
    /// Healing a link that is not cut is a no-op.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A slot is out of range.</exception>
    /// <exception cref="ArgumentException">The two slots are the same.</exception>
    public Task HealAsync(int a, int b, bool oneWay = false, CancellationToken cancellationToken = default) =>
        SetLinksAsync(a, b, oneWay, cut: false, cancellationToken);

    /// <summary>Restores every link.</summary>
    public void HealAll() => _partitions.Clear();

    /// <summary>True if calls from silo <paramref name="from"/> to silo <paramref name="to"/> are being lost.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A slot is out of range.</exception>
    public bool IsLinkCut(int from, int to) => _partitions.IsCut(CheckIndex(from), CheckIndex(to));

    /// <summary>
    /// Waits until every live silo is active and its view lists exactly the live silos as active (so placement agrees
    /// everywhere), and, if given, <paramref name="condition"/> holds for each live silo's view.
    /// </summary>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/> (default <see cref="TestClusterOptions.WaitTimeout"/>); the message says what each silo saw.</exception>
    public async Task WaitForViewAsync(Func<MembershipView, bool>? condition = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        TimeSpan limit = timeout ?? _options.WaitTimeout;
        // A stopwatch, not the cluster's clock: a test may drive that clock by hand.
        var waited = Stopwatch.StartNew();
        while (!ViewsAgree(condition))
        {
            if (waited.Elapsed > limit)
            {
                string seen = string.Join("; ", _live.OfType<SiloHost>().Select(h => $"{h.Address} ({h.Membership.Status}) sees {h.Membership.View}"));
                throw new TimeoutException($"the silos' views did not agree on the {LiveSilos.Count} live silos within {limit}: {seen}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SetLinksAsync(int a, int b, bool oneWay, bool cut, CancellationToken cancellationToken)
    {
        CheckIndex(a);
        CheckIndex(b);
        if (a == b)
        {
            throw new ArgumentException($"silo {a} cannot be partitioned from itself", nameof(b));
        }

        // Ordered with kills and restarts, so a test's sequence of cluster changes happens in the order it wrote it.
        await _changing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _partitions.Set(a, b, cut);
            if (!oneWay)
            {
                _partitions.Set(b, a, cut);
            }
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <summary>Stops the client and every silo, killed ones included (their activations are deactivated now).</summary>
    public async ValueTask DisposeAsync()
    {
        await _clientConnections.DisposeAsync().ConfigureAwait(false);
        foreach (SiloHost host in _live.OfType<SiloHost>().Concat(_killed))
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }

        Array.Clear(_live);
        _killed.Clear();
    }

    private async Task<SiloHost> StartSiloAsync(int index, IPEndPoint endPoint, IReadOnlyList<EndPoint> seeds, CancellationToken cancellationToken)
    {
        // A restarted incarnation must be newer than the one it replaces even within one clock tick.
        long generation = Math.Max(SiloAddress.NewGeneration(_options.TimeProvider), _generations[index] + 1);
        var options = new SiloHostOptions
        {
            EndPoint = endPoint,
            ClusterSecret = _options.ClusterSecret,
            Seeds = seeds,
            SiteId = _options.AssignSites ? index + 1 : null,
            Generation = generation,
            SiloName = SiloName(index),
            Membership = _options.Membership,
            LinkFilter = new SlotLinkFilter(index, _partitions, SlotOfName, SlotOfAddress),
            Network = Network,
        };
        var builder = new SiloBuilder();
        _options.ConfigureSilo(builder);
        SiloHost host = await SiloHost.StartAsync(options, builder, Sites, _options.TimeProvider, _options.LoggerFactory, cancellationToken).ConfigureAwait(false);
        _endPoints[index] = host.EndPoint;
        _generations[index] = generation;
        _live[index] = host;
        return host;
    }

    // A silo presents its name as its client id when it calls another, which is how the receiver knows the sender.
    private static string SiloName(int index) => $"silo{index}";

    private int? SlotOfName(string clientId) => _slotsByName.TryGetValue(clientId, out int slot) ? slot : null;

    private int? SlotOfAddress(SiloAddress silo)
    {
        // Endpoints are fixed per slot after the first start, so every incarnation of a slot maps to it.
        for (int i = 0; i < _endPoints.Length; i++)
        {
            if (_endPoints[i] is { } endPoint && endPoint.Port == silo.Port && endPoint.Address.ToString() == silo.Host)
            {
                return i;
            }
        }

        return null;
    }

    private MembershipView CurrentView() =>
        _live.OfType<SiloHost>().FirstOrDefault(h => h.Membership.Status == SiloStatus.Active)?.Membership.View ?? MembershipView.Empty;

    private bool ViewsAgree(Func<MembershipView, bool>? condition)
    {
        List<SiloHost> live = [.. _live.OfType<SiloHost>()];
        HashSet<SiloAddress> expected = [.. live.Select(h => h.Address)];
        return live.All(h =>
        {
            MembershipView view = h.Membership.View;
            return h.Membership.Status == SiloStatus.Active
                && view.ActiveSilos.ToHashSet().SetEquals(expected)
                && (condition is null || condition(view));
        });
    }

    private int CheckIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _live.Length);
        return index;
    }
}
