using System.Net;
using Microsoft.Extensions.Logging;
using OrleansRep.Grains.Interfaces;
using OrleansRep.Runtime.Core;
using OrleansRep.Runtime.Remote;
using OrleansRep.Runtime.Transport;

namespace OrleansRep.Client;

/// <summary>
/// One <see cref="GrainClient"/> per site gateway. A gateway dispatches into its own silo, so a site's grains are
/// called through that site's connection. A gateway given without its site id learns it on connecting: the gateway
/// names its site when it accepts the connection. Connections are made on demand, and a gateway that failed is
/// left alone for <see cref="OrleansRepClientOptions.MaxBackoff"/> so a dead site costs one refused connect per
/// back-off, not one per request.
/// </summary>
internal sealed partial class SiteGateways(OrleansRepClientOptions options, TimeProvider time, ILogger logger) : ISiteGateways
{
    private readonly Gateway[] _gateways = [.. OrleansRepClientOptions.ParseGateways(options.Gateways).Select((g, i) => new Gateway(i, g.EndPoint) { Site = g.Site })];
    private readonly byte[] _secret = options.ResolveSecret();
    private readonly Lock _lock = new();

    public IReadOnlyList<int> Sites
    {
        get
        {
            lock (_lock)
            {
                return [.. _gateways.Where(g => g.Site > 0).Select(g => g.Site).Distinct().Order()];
            }
        }
    }

    public string AddressOf(int site) => _gateways.FirstOrDefault(g => g.Site == site)?.EndPoint.ToString() ?? "-";

    public async ValueTask<IGrainFactory?> TryGetAsync(int site, CancellationToken cancellationToken)
    {
        if (!_gateways.Any(g => g.Site == site))
        {
            await ConnectAllAsync(cancellationToken).ConfigureAwait(false);
        }

        var gateway = _gateways.FirstOrDefault(g => g.Site == site);
        return gateway is null ? null : await ConnectAsync(gateway, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> ConnectAllAsync(CancellationToken cancellationToken)
    {
        var connected = await Task.WhenAll(_gateways.Select(g => ConnectAsync(g, cancellationToken).AsTask())).ConfigureAwait(false);
        return connected.Count(c => c is not null);
    }

    public void Lost(int site)
    {
        foreach (var gateway in _gateways.Where(g => g.Site == site))
        {
            Task<GrainClient?>? connecting;
            lock (_lock)
            {
                connecting = gateway.Connecting;
                gateway.Connecting = null;
                gateway.RetryAfter = time.GetTimestamp() + (long)(options.MaxBackoff.TotalSeconds * time.TimestampFrequency);
            }

            LogSiteLost(logger, site, gateway.EndPoint);
            if (connecting is { IsCompletedSuccessfully: true, Result: { } client })
            {
                _ = client.DisposeAsync().AsTask();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in _gateways)
        {
            if (gateway.Connecting is { IsCompletedSuccessfully: true, Result: { } client })
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<IGrainFactory?> ConnectAsync(Gateway gateway, CancellationToken cancellationToken)
    {
        Task<GrainClient?> connecting;
        lock (_lock)
        {
            // A refused first handshake stays (every caller gets it: a wrong secret or role); a failed or closed
            // connection, or a refusal from a gateway that admitted this client before (restarting), is tried again.
            if (gateway.Connecting is { IsCompletedSuccessfully: true } done && (done.Result is null || done.Result.IsClosed))
            {
                gateway.Connecting = null;
                if (done.Result is null)
                {
                    gateway.RetryAfter = time.GetTimestamp() + (long)(options.MaxBackoff.TotalSeconds * time.TimestampFrequency);
                }
            }

            if (gateway.Connecting is null && time.GetTimestamp() < gateway.RetryAfter)
            {
                return null;
            }

            // One connection attempt at a time per gateway, shared by every caller; not cancelled by any one of them.
            connecting = gateway.Connecting ??= ConnectAndIdentifyAsync(gateway);
        }

        return await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<GrainClient?> ConnectAndIdentifyAsync(Gateway gateway)
    {
        GrainClient? client = null;
        try
        {
            using var timeout = new CancellationTokenSource(options.ConnectTimeout, time);
            client = await GrainClient.ConnectAsync(gateway.EndPoint, new GrainClientOptions
            {
                ClusterSecret = _secret,
                ClientId = options.ClientId,
                Roles = options.Roles,
                PinnedServerCertificate = options.PinnedServerCertificate,
                Network = options.Network,
                Limits = new TransportOptions { DefaultCallTimeout = options.CallTimeout },
            }, time, timeout.Token).ConfigureAwait(false);
            if (gateway.Site == 0)
            {
                gateway.Site = Identify(client);
                LogSiteFound(logger, gateway.EndPoint, gateway.Site);
            }

            gateway.Admitted = true;
            return client;
        }
        catch (Exception e) when ((e is not HandshakeRejectedException || gateway.Admitted) && e is not GrainAccessDeniedException)
        {
            LogConnectFailed(logger, gateway.EndPoint, e.Message);
            if (client is not null)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }

            return null;
        }
    }

    // A site's gateway names its site when it accepts the connection (SiloHost's ServerName): no guess, no probe call
    // (which a gateway forwarding calls to other sites would answer for the site guessed, not its own).
    private static int Identify(GrainClient client) =>
        int.TryParse(client.ServerName, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var site) && site > 0
            ? site
            : throw new InvalidOperationException($"the gateway did not name its site (it said '{client.ServerName}'); is it an OrleansRep site's gateway?");

    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway {EndPoint} is site {Site}")]
    private static partial void LogSiteFound(ILogger logger, EndPoint endPoint, int site);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Site {Site} at {EndPoint} is unreachable; reconnecting on next use")]
    private static partial void LogSiteLost(ILogger logger, int site, EndPoint endPoint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cannot connect to gateway {EndPoint}: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, EndPoint endPoint, string reason);

    private sealed class Gateway(int index, EndPoint endPoint)
    {
        public int Index { get; } = index;

        public EndPoint EndPoint { get; } = endPoint;

        public int Site { get; set; }

        public Task<GrainClient?>? Connecting { get; set; }

        public long RetryAfter { get; set; }

        /// <summary>A handshake with this gateway once succeeded: the secret is right, so a later refusal is a gateway
        /// starting or stopping, tried again like a failed connection.</summary>
        public bool Admitted { get; set; }
    }
}
