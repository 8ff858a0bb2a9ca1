using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansRep.Runtime.Membership;

namespace OrleansRep.Silo;

/// <summary>
/// One site's process: the Generic Host (configuration, console logs, SIGTERM/Ctrl-C) with Kestrel serving
/// <see cref="SiteHttpApi"/>, and the <see cref="RunningSite"/>. Stopping closes HTTP, then stops the site gracefully
/// (it leaves membership first).
/// </summary>
public sealed class SiteApplication : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SiteApplication(WebApplication app, RunningSite site)
    {
        _app = app;
        Site = site;
        // As an Orleans silo does: a site the cluster declared dead (it was unreachable too long) cannot come back as
        // this incarnation, so the process stops, and its supervisor starts a new one.
        // (Checked once more after subscribing: the declaration may have come while the site was starting.)
        void StopIfDeclaredDead()
        {
            if (site.Host.Membership.Status == SiloStatus.Dead && !app.Lifetime.ApplicationStopping.IsCancellationRequested)
            {
                DeclaredDead = true;
                app.Lifetime.StopApplication();
            }
        }

        site.Host.Membership.MembershipChanged += (_, _) => StopIfDeclaredDead();
        StopIfDeclaredDead();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        HttpAddress = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal));
    }

    /// <summary>The process stopped because the cluster declared this site dead (exit code 3: restart it).</summary>
    public bool DeclaredDead { get; private set; }

    /// <summary>The running site.</summary>
    public RunningSite Site { get; }

    /// <summary>Where the HTTP endpoints answer (the bound port when the option said 0).</summary>
    public Uri HttpAddress { get; }

    /// <summary>Starts the site, then its HTTP endpoint.</summary>
    /// <exception cref="ArgumentException">Bad configuration: an invalid option, no secret, an endpoint in use.</exception>
    public static async Task<SiteApplication> StartAsync(SiteOptions options, IConfiguration? configuration = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        if (configuration is not null)
        {
            builder.Configuration.AddConfiguration(configuration);
        }

        builder.Logging.ClearProviders().AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        var http = options.HttpIPEndPoint;
        // With a certificate the endpoint is HTTPS (the dashboard then asks for the admin's credentials); held for the
        // life of the process, as the silo's own copy is.
        var certificate = options.CertificatePath is null ? null : X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword);
        builder.WebHost.ConfigureKestrel(k => k.Listen(http, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        RunningSite? site = null;
        try
        {
            site = await InUse(() => RunningSite.StartAsync(options, app.Services.GetRequiredService<ILoggerFactory>(), null, cancellationToken),
                $"SiteEndPoint {options.SiteIPEndPoint} or GatewayEndPoint {options.GatewayIPEndPoint}").ConfigureAwait(false);
            SiteHttpApi.Map(app, site);
            await InUse(async () => { await app.StartAsync(cancellationToken).ConfigureAwait(false); return 0; }, $"HttpEndPoint {http}").ConfigureAwait(false);
            return new SiteApplication(app, site);
        }
        catch
        {
            if (site is not null)
            {
                await site.DisposeAsync().ConfigureAwait(false);
            }

            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Completes when the host is told to stop (SIGTERM, Ctrl-C, <see cref="Stop"/>).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <summary>Asks the host to stop.</summary>
    public void Stop() => _app.Lifetime.StopApplication();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await Site.DisposeAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    // A port clash is a configuration error, reported with the option that names the endpoint.
    private static async Task<T> InUse<T>(Func<Task<T>> start, string what)
    {
        try
        {
            return await start().ConfigureAwait(false);
        }
        catch (Exception e) when (IsAddressInUse(e))
        {
            throw new ArgumentException($"{what}: address already in use ({e.Message})", e);
        }
    }

    private static bool IsAddressInUse(Exception? e) =>
        e is not null && (e is AddressInUseException || e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || IsAddressInUse(e.InnerException)
            || e is AggregateException a && a.InnerExceptions.Any(IsAddressInUse));
}
