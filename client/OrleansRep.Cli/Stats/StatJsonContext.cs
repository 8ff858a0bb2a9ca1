using System.Text.Json.Serialization;

namespace OrleansRep.Cli.Stats;

/// <summary>Source-generated serialization for <see cref="StatDocument"/>: no reflection, stable camelCase names.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    Converters = [typeof(LsnJsonConverter)])]
[JsonSerializable(typeof(StatDocument))]
internal sealed partial class StatJsonContext : JsonSerializerContext;
