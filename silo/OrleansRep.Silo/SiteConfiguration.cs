using Microsoft.Extensions.Configuration;

namespace OrleansRep.Silo;

/// <summary>
/// Where a site's configuration comes from, later sources winning: appsettings.json beside the executable,
/// <c>OREP_*</c> environment variables (<c>OREP_SITEID=2</c>, <c>OREP_DATAROOT=/var/lib/orep</c>), then the command
/// line (<c>--site-id 2</c> or <c>--SiteId=2</c>). An unknown command-line option is an error, not a silent default.
/// </summary>
public static class SiteConfiguration
{
    /// <summary>Short command-line switches → option names.</summary>
    public static IReadOnlyDictionary<string, string> Switches { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["--site-id"] = nameof(SiteOptions.SiteId),
        ["--data"] = nameof(SiteOptions.DataRoot),
        ["--site-endpoint"] = nameof(SiteOptions.SiteEndPoint),
        ["--gateway-endpoint"] = nameof(SiteOptions.GatewayEndPoint),
        ["--http-endpoint"] = nameof(SiteOptions.HttpEndPoint),
        ["--sites"] = nameof(SiteOptions.Sites),
        ["--priority"] = nameof(SiteOptions.Priority),
        ["--shards"] = nameof(SiteOptions.Shards),
        ["--ack-policy"] = nameof(SiteOptions.AckPolicy),
        ["--heartbeat"] = nameof(SiteOptions.Heartbeat),
        ["--election-timeout"] = nameof(SiteOptions.ElectionTimeout),
        ["--ack-timeout"] = nameof(SiteOptions.AckTimeout),
        ["--lease-timeout"] = nameof(SiteOptions.LeaseTimeout),
        ["--probe-timeout"] = nameof(SiteOptions.ProbeTimeout),
        ["--missed-probes"] = nameof(SiteOptions.MissedProbes),
        ["--certificate"] = nameof(SiteOptions.CertificatePath),
        ["--secret-file"] = nameof(SiteOptions.ClusterSecretFile),
        ["--join"] = nameof(SiteOptions.Join),
        ["--autoinit"] = nameof(SiteOptions.AutoInit),
        ["--delay-client-sync"] = nameof(SiteOptions.DelayClientSync),
        ["--nowait"] = nameof(SiteOptions.NoWait),
        ["--sync-peer"] = nameof(SiteOptions.SyncPeer),
    };

    /// <summary>Switches that are flags: given alone they mean true (<c>--join</c>); <c>--join false</c> works too.</summary>
    private static readonly string[] Flags = ["--join", "--delay-client-sync", "--nowait"];

    /// <summary>The configuration from all sources.</summary>
    /// <exception cref="ArgumentException">An argument is not an option.</exception>
    public static IConfigurationRoot Build(string[] args, string? settingsDirectory = null)
    {
        args = ExpandFlags(args);
        var commandLine = new ConfigurationBuilder().AddCommandLine(args, Switches.ToDictionary()).Build();
        var known = typeof(SiteOptions).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).Append(nameof(SiteOptions.Clients)).Append("Logging");
        var unknown = commandLine.GetChildren().Select(c => c.Key).FirstOrDefault(k => !known.Contains(k, StringComparer.OrdinalIgnoreCase));
        if (unknown is not null)
        {
            throw new ArgumentException($"unknown option '{unknown}'; options: {string.Join(" ", Switches.Keys)} (or --Name=value for any of {string.Join(", ", known)})");
        }

        return new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(settingsDirectory ?? AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables("OREP_")
            .AddCommandLine(args, Switches.ToDictionary())
            .Build();
    }

    // The command-line provider takes the next argument as a switch's value, so a flag followed by another option (or by
    // nothing) is given its value here.
    private static string[] ExpandFlags(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var expanded = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            if (string.Equals(args[i], "--no-autoinit", StringComparison.OrdinalIgnoreCase))
            {
                // A negative flag: the same as "--autoinit false".
                expanded.AddRange(["--autoinit", "false"]);
                continue;
            }

            expanded.Add(args[i]);
            var last = i == args.Length - 1 || args[i + 1].StartsWith('-');
            if (last && Flags.Contains(args[i], StringComparer.OrdinalIgnoreCase))
            {
                expanded.Add("true");
            }
        }

        return [.. expanded];
    }

    /// <summary>Binds <see cref="SiteOptions"/> (not validated).</summary>
    /// <exception cref="ArgumentException">A value has the wrong type ("abc" for a number).</exception>
    public static SiteOptions Bind(IConfiguration configuration)
    {
        try
        {
            return configuration.Get<SiteOptions>() ?? new SiteOptions();
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException(e.InnerException is null ? e.Message : $"{e.Message} {e.InnerException.Message}", e);
        }
    }
}
