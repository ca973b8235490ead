// Loaded before the theme's FontAwesome script. By default FontAwesome
// watches the page and swaps every <i> icon for an <svg>; it also does that
// to the icon inside a Play widget, which then throws on each value change
// and stops the other jslinks (the slider moves, the steps do not).
// Turning the watcher off keeps the theme's own icons, which it draws once.
window.FontAwesomeConfig = { observeMutations: false };
