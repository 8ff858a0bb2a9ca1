using System.CommandLine;

namespace OrleansRep.Cli;

/// <summary>Options several commands share, declared once so their names and help read the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<string> Home() => new("--home")
    {
        Description = "the environment's home directory",
        HelpName = "DIR",
        Required = true,
    };

    public static Option<string> Database(bool required, string description) => new("--db")
    {
        Description = description,
        HelpName = "NAME",
        Required = required,
    };

    /// <summary>An integer option that must be at least <paramref name="minimum"/>.</summary>
    public static Option<int> AtLeast(string name, int minimum, string description, int? defaultValue = null)
    {
        var option = new Option<int>(name) { Description = description, HelpName = "N" };
        if (defaultValue is { } value)
        {
            option.DefaultValueFactory = _ => value;
        }

        // A custom parser rather than a validator: a validator asking for the value of "--count many" throws
        // instead of reporting, while a parser can say both "not a number" and "too small" as ordinary parse errors.
        option.CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return defaultValue ?? 0;
            }

            var text = result.Tokens[^1].Value;
            if (!int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                result.AddError($"{name} {text} is not a whole number from {minimum} to {int.MaxValue}");
            }
            else if (number < minimum)
            {
                result.AddError($"{name} must be at least {minimum}");
            }

            return number;
        };
        return option;
    }
}
