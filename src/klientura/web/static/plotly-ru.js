/* Russian dates and numbers in the charts when the page is in Russian: Plotly's locale format (as plotly.js's own
   plotly-locale-ru.js has it), registered and made the default right after plotly.min.js, before any chart draws. */
(function () {
  if (!window.Plotly || !document.documentElement.lang.startsWith("ru")) return;
  Plotly.register({
    moduleType: "locale",
    name: "ru",
    dictionary: {
      "Autoscale": "Автомасштаб", "Box Select": "Выделение прямоугольником", "Download plot as a png": "Сохранить как PNG",
      "Lasso Select": "Выделение лассо", "Pan": "Сдвиг", "Reset axes": "Сбросить оси", "Zoom": "Увеличить",
      "Zoom in": "Приблизить", "Zoom out": "Отдалить", "Toggle Spike Lines": "Линии-указатели",
      "Show closest data on hover": "Ближайшее значение", "Compare data on hover": "Сравнить значения"
    },
    format: {
      days: ["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"],
      shortDays: ["вс", "пн", "вт", "ср", "чт", "пт", "сб"],
      months: ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
               "ноябрь", "декабрь"],
      shortMonths: ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"],
      date: "%d.%m.%Y",
      decimal: ",",
      thousands: "\u00a0"
    }
  });
  Plotly.setPlotConfig({ locale: "ru" });
})();
