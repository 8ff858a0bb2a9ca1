using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansRep.Storage;

namespace OrleansRep.Cli.Stats;

/// <summary>Writes an <see cref="Lsn"/> as its printlog form "[file][offset]", the way every other tool shows it.</summary>
internal sealed class LsnJsonConverter : JsonConverter<Lsn>
{
    public override Lsn Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Lsn.TryParse(reader.GetString() ?? string.Empty, out var lsn) ? lsn : throw new JsonException("expected an LSN like [1][32]");

    public override void Write(Utf8JsonWriter writer, Lsn value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
