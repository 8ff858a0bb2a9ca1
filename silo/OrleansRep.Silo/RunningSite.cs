using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Grains.Shards;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Hosting;
using OrleansRep.Runtime.Membership;
using OrleansRep.Runtime.Placement;
using OrleansRep.Runtime.Streams;

namespace OrleansRep.Silo;

/// <summary>
/// One running site: a <see cref="SiloHost"/> on the site endpoint with the client gateway beside it, the service's
/// grains registered (<see cref="OrleansRepGrains.AddOrleansRepGrains"/>) and started (<see cref="ISiteGrain.Start"/>),
/// and the site's event feed counted into <see cref="Metrics"/>. Disposing leaves membership first (a graceful stop).
/// </summary>
public sealed class RunningSite : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<int, (IPEndPoint EndPoint, int Priority)> _group;

    private PromoteTrigger? _promoteTrigger;
    private Recovery.RecoveryDaemon? _recoveryDaemon;

    private RunningSite(SiteOptions options, SiloHost host, IReadOnlyDictionary<int, (IPEndPoint, int)> group, SiteMetrics metrics)
    {
        Options = options;
        Host = host;
        _group = group;
        Metrics = metrics;
        RoleChanges = new SiteRoleChanges(host.GrainFactory, options.Shards, options.SiteId!.Value);
    }

    /// <summary>Promotion and handover, as the HTTP API and the trigger file ask for them.</summary>
    public SiteRoleChanges RoleChanges { get; }

    /// <summary>The site's data directory ({DataRoot}/site-N), where the promote trigger files go.</summary>
    public string DataDirectory => Path.Combine(Options.DataRoot, $"site-{SiteId}");

    /// <summary>The options the site runs with.</summary>
    public SiteOptions Options { get; }

    /// <summary>The silo.</summary>
    public SiloHost Host { get; }

    /// <summary>Event counts and the metrics text.</summary>
    public SiteMetrics Metrics { get; }

    /// <summary>This site's id.</summary>
    public int SiteId => Options.SiteId!.Value;

    /// <summary>The site's grain.</summary>
    public ISiteGrain SiteGrain => Host.GrainFactory.GetGrain<ISiteGrain>(GrainKeys.Site(SiteId));

    /// <summary>The site's event feed.</summary>
    public SiteEventLog Events => Host.Silo.Services.GetRequiredService<SiteEventLog>();

    /// <summary>Validates <paramref name="options"/>, starts the silo and the site's replicas.</summary>
    /// <exception cref="ArgumentException">The options are invalid (or the secret is missing).</exception>
    public static async Task<RunningSite> StartAsync(SiteOptions options, ILoggerFactory loggers, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var secret = options.ReadSecret();
        var group = options.Group();
        var id = options.SiteId!.Value;
        var sites = new SiteDirectory();
        foreach (var (other, (endPoint, _)) in group.Where(s => s.Key != id))
        {
            sites.Register(other, endPoint);
        }

        var defaults = new SiteStorageOptions();
        var storage = new SiteStorageOptions
        {
            DataRoot = options.DataRoot,
            Shards = options.Shards,
            Sites = group.ToDictionary(s => s.Key, s => s.Value.Priority),
            Join = options.Join,
            LogArchiveInterval = options.LogArchiveInterval,
            LogRetentionForLaggingClients = options.LogRetentionForLaggingClients,
            LogRetentionMaxBytes = options.LogRetentionMaxBytes,
            Replication = defaults.Replication with
            {
                AckPolicy = options.AckPolicy,
                HeartbeatSend = options.Heartbeat,
                HeartbeatMonitor = options.Heartbeat * 5,
                ElectionTimeout = options.ElectionTimeout,
                AckTimeout = options.AckTimeout,
                Leases = options.LeaseTimeout > TimeSpan.Zero,
                LeaseTimeout = options.LeaseTimeout,
                AutoInit = options.AutoInit,
                DelayClient = options.DelayClientSync,
                NoWait = options.NoWait,
            },
            SyncPeer = options.SyncPeer,
        };
        var builder = new SiloBuilder();
        builder.Services.AddSingleton(loggers);
        // The grains record real endpoints in the group and register the sites a membership change adds, so that
        // placement finds them (existing sites learn a new one from the change, not from a restart).
        builder.AddSiteRegistry(() => sites).AddOrleansRepGrains(storage);
        Dashboard.DashboardHosting.AddDashboard(builder);
        Grains.Recovery.RecoveryGrains.AddRecoveryGrain(builder);
        if (time is not null)
        {
            builder.UseTimeProvider(time);
        }

        // Held for the life of the process: the silo serves and pins it.
        var certificate = options.CertificatePath is null ? null : X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword);
        var host = await SiloHost.StartAsync(
            new SiloHostOptions
            {
                EndPoint = options.SiteIPEndPoint,
                GatewayEndPoint = options.GatewayIPEndPoint,
                ClusterSecret = secret,
                Credentials = options.ReadClientCredentials(),
                Certificate = certificate,
                // Every site is a seed (this one too, so the first to start may found the cluster); a joining site
                // joins through the others only: alone, it must not found a cluster of its own.
                Seeds = [.. group.Where(s => s.Value.EndPoint.Port != 0 && !(options.Join && s.Key == id)).Select(s => s.Value.EndPoint)],
                SiteId = id,
                SiloName = $"site-{id}",
                Membership = new MembershipOptions { ProbeTimeout = options.ProbeTimeout, MissedProbesLimit = options.MissedProbes },
            },
            builder,
            sites,
            time,
            loggers,
            cancellationToken).ConfigureAwait(false);
        var site = new RunningSite(options, host, group, new SiteMetrics(id));
        try
        {
            // Counted from the first event: the replicas raise their first ones while Start activates them.
            await site.Events.Stream.SubscribeAsync(site.Metrics, StreamSequenceToken.First, cancellationToken).ConfigureAwait(false);
            await site.SiteGrain.Start().WaitAsync(cancellationToken).ConfigureAwait(false);
            site._promoteTrigger = new PromoteTrigger(site.DataDirectory, site.RoleChanges, id, options.PromoteTriggerInterval, time ?? TimeProvider.System, loggers.CreateLogger<PromoteTrigger>());
            site._recoveryDaemon = new Recovery.RecoveryDaemon(host.GrainFactory, id, options.Recovery, time ?? TimeProvider.System, site.Events, site.RoleChanges, () => site.SiteHealth().ToDictionary(h => h.Id, h => h.Healthy), loggers.CreateLogger<Recovery.RecoveryDaemon>());
            return site;
        }
        catch
        {
            await site.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether this silo is an active member of the cluster.</summary>
    public bool IsHealthy => Host.Membership.Status == SiloStatus.Active;

    /// <summary>The group's sites as this site's membership view sees them: healthy when an active silo holds the site's endpoint.</summary>
    public IReadOnlyList<SiteHealth> SiteHealth()
    {
        var view = Host.Membership.View;
        return [.. _group.Select(s =>
        {
            var endPoint = s.Key == SiteId ? Host.EndPoint : s.Value.EndPoint;
            var healthy = view.Entries.Any(e => e.Status == SiloStatus.Active && e.Silo.Port == endPoint.Port && e.Silo.Host == endPoint.Address.ToString());
            return new SiteHealth(s.Key, endPoint.ToString(), s.Value.Priority, healthy);
        })];
    }

    public async ValueTask DisposeAsync()
    {
        if (_recoveryDaemon is not null)
        {
            await _recoveryDaemon.DisposeAsync().ConfigureAwait(false);
        }

        if (_promoteTrigger is not null)
        {
            await _promoteTrigger.DisposeAsync().ConfigureAwait(false);
        }

        await Host.DisposeAsync().ConfigureAwait(false);
        Metrics.Dispose();
    }
}
